/**
 * The function: one payload in, one result out. Every runtime entry (child process, Lambda,
 * HTTP) calls {@link handle}; the model stays loaded between invocations of the same process.
 * The payload is untrusted: it is parsed with the protocol's schema, then what it names (files,
 * buckets, the S3 endpoint, the dispatcher) is checked against the function's deployment
 * before any work starts (`access/grant-work.ts`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { dynamicResult, runDynamicWorker } from './dynamic.js';
import { hasWarmPool } from './inference-pools.js';
import { InjectedFault } from './injected-fault.js';
import type { SplitResult, WorkerPayload, WorkerResult } from '../protocol/invocation.js';
import { fitSplitsInReply, resultJsonBytes } from '../protocol/reply-size.js';
import { parsePayload, withDefaultPipeline, type WorkPayload } from './validate-payload.js';
import { deploymentFromEnv, grantWork, type FunctionDeployment } from './access/grant-work.js';
import { closeWorkerSession, openWorkerSession, processSplit } from './worker-session.js';

/** Options of one invocation. */
export interface HandleOptions {
  /** Aborts the invocation between (and inside) splits. */
  signal?: AbortSignal;
  /** What the function may read and dial; default: what this process's environment says. */
  deployment?: FunctionDeployment;
  /**
   * The largest reply the runtime can return (JSON bytes) and that limit in words: vectors of
   * splits that would not fit become errors saying so. Absent: no limit (a child process).
   */
  replyLimit?: { bytes: number; where: string } | null;
}

export { InjectedFault };

function runtimeInfo(): WorkerResult['runtime'] {
  return { pid: process.pid, node: process.version, platform: `${process.platform}-${process.arch}` };
}

/** Runs one invocation. Bad payloads throw `UserError`/`SpecError`; bad inputs become result errors. */
export async function handle(payload: WorkerPayload, options: HandleOptions = {}): Promise<WorkerResult> {
  const started = performance.now();
  const parsed = parsePayload(payload);
  if (parsed.kind === 'ping') {
    return {
      workerId: '',
      splits: [],
      timings: {
        cold: !hasWarmPool(),
        modelLoadMs: 0,
        stageBusyMs: { load: 0, preprocess: 0, predict: 0 },
        wallMs: performance.now() - started,
        images: 0,
      },
      runtime: runtimeInfo(),
    };
  }
  const work: WorkPayload = { ...parsed, pipeline: withDefaultPipeline(parsed.pipeline) };
  const granted = await grantWork(work, options.deployment ?? deploymentFromEnv());
  if (work.kind === 'dynamic') {
    const run = await runDynamicWorker(work, granted, options);
    return dynamicResult(work, run, performance.now() - started, runtimeInfo(), granted.modelDigest);
  }
  const { signal } = options;
  const session = await openWorkerSession(
    granted.model,
    granted.storage,
    work.pipeline,
    work.task,
    granted.checkLabels,
  );
  const splits: SplitResult[] = [];
  try {
    for (const split of work.splits) {
      signal?.throwIfAborted();
      const delay = work.faults?.delayMsPerSplit ?? 0;
      if (delay > 0) await sleep(delay, undefined, signal ? { signal } : {});
      splits.push(
        await processSplit(session, split, {
          ...(signal ? { signal } : {}),
          readErrors: work.faults?.readErrors,
        }),
      );
      if (work.faults?.failAfterFirstSplit) {
        throw new InjectedFault(`injected fault: worker ${work.workerId} fails after its first split`);
      }
    }
  } finally {
    await closeWorkerSession(session);
  }
  const limit = options.replyLimit;
  return {
    workerId: work.workerId,
    splits: limit ? fitSplitsInReply(splits, limit.bytes, resultJsonBytes, limit.where) : splits,
    timings: {
      cold: session.cold,
      modelLoadMs: session.modelLoadMs,
      stageBusyMs: session.busyMs,
      wallMs: performance.now() - started,
      images: session.images,
      ...(granted.modelDigest ? { modelDigest: granted.modelDigest } : {}),
      ...(session.labelsDigest ? { labelsDigest: session.labelsDigest } : {}),
    },
    runtime: runtimeInfo(),
  };
}
