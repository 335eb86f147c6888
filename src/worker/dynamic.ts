/**
 * The dynamic worker: connects to the job manager's split dispatcher, pulls a split, runs the
 * pipeline on it with the model kept warm, and returns its results with the next pull, until
 * the dispatcher says stop. Heartbeats go in the background. A split the dispatcher cancels
 * (another attempt finished first) is given up mid-way.
 *
 * Injected faults: `delayMsPerSplit` sleeps after computing each split and before returning it
 * (a slow worker; a cancel cuts the sleep short and the finished results are still returned,
 * late); `failAfterFirstSplit` returns the first split, takes the next and raises an error
 * holding it (a worker that dies mid-job); `readErrors` fails the reads it picks for the split's
 * attempt with a passing error.
 *
 * The dispatcher client (gRPC and protobufjs, a tenth of a second or more to load) is imported
 * by the first dynamic invocation, while its model loads: a function that runs static payloads
 * never loads it (`startup-imports.test.ts`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FinishedSplit, SplitAssignment } from '../rpc/dispatcher-client.js';
import type { WorkerFaults } from '../core/faults.js';
import { InjectedFault } from './injected-fault.js';
import type { DynamicWorkerReport, SplitResult, WorkerResult } from '../protocol/invocation.js';
import { MAX_DISPATCHER_MESSAGE_BYTES } from '../protocol/limits.js';
import { fitSplitsInReply, megabytes, resultWireBytes } from '../protocol/reply-size.js';
import type { WorkPayload } from './validate-payload.js';
import type { GrantedWork } from './access/grant-work.js';
import { closeWorkerSession, openWorkerSession, processSplit, type WorkerSession } from './worker-session.js';

export type DynamicPayload = Extract<WorkPayload, { kind: 'dynamic' }>;

/** The limit a split's results must fit in, in words. */
const MESSAGE_LIMIT = `the dispatcher's ${megabytes(MAX_DISPATCHER_MESSAGE_BYTES)} message limit`;

/** What a dynamic invocation did, before it is wrapped into a {@link WorkerResult}. */
export interface DynamicRun {
  session: WorkerSession;
  splits: SplitResult[];
  report: DynamicWorkerReport;
}

/** Runs a dynamic invocation to its end (stop from the dispatcher) or its first error. */
export async function runDynamicWorker(
  work: DynamicPayload,
  granted: GrantedWork,
  options: { signal?: AbortSignal } = {},
): Promise<DynamicRun> {
  // Checked with the payload (protocol/payload-schema.ts); the host as the deployment resolved it,
  // and the pinned certificate as the grant checked it.
  const ref = {
    ...work.dispatcher,
    host: granted.dispatcherHost ?? work.dispatcher.host,
    tls: granted.dispatcherTls,
  };
  // The model loads (seconds when cold) while the client loads and the connection is made.
  const [opened, connected] = await Promise.allSettled([
    openWorkerSession(granted.model, granted.storage, work.pipeline, work.task, granted.checkLabels),
    import('../rpc/dispatcher-client.js').then(({ DispatcherClient }) =>
      DispatcherClient.connect(ref, {
        workerId: work.workerId,
        keepAliveIntervalMs: ref.keepAliveIntervalMs,
      }),
    ),
  ]);
  if (opened.status === 'rejected' || connected.status === 'rejected') {
    if (connected.status === 'fulfilled') connected.value.close();
    if (opened.status === 'fulfilled') await closeWorkerSession(opened.value);
    throw opened.status === 'rejected' ? opened.reason : (connected as PromiseRejectedResult).reason;
  }
  const session = opened.value;
  const client = connected.value;
  const splits: SplitResult[] = [];
  const report: DynamicWorkerReport = {
    assigned: 0,
    accepted: 0,
    duplicate: 0,
    rejected: 0,
    cancelled: 0,
  };
  const countReports = (): void => {
    for (const r of client.lastReports) report[r.status]++;
  };
  try {
    let finished: FinishedSplit[] = [];
    for (;;) {
      options.signal?.throwIfAborted();
      const [split] = await client.pullMany(finished, 1);
      countReports();
      finished = [];
      if (split) report.assigned++;
      if (work.faults?.failAfterFirstSplit && splits.length > 0) {
        throw new InjectedFault(
          `injected fault: worker ${work.workerId} fails after its first split${split ? ` (holding split ${split.splitId})` : ''}`,
        );
      }
      if (!split) break;
      const done = await runSplit(session, split, work.faults, options.signal);
      if (done === null) {
        report.cancelled++;
        continue;
      }
      splits.push({ ...done, results: [] });
      const [fitted] = fitSplitsInReply([done], MAX_DISPATCHER_MESSAGE_BYTES, resultWireBytes, MESSAGE_LIMIT);
      finished = [{ splitId: split.splitId, results: (fitted ?? done).results }];
    }
  } finally {
    client.close();
    await closeWorkerSession(session);
  }
  return { session, splits, report };
}

/**
 * One split: the pipeline, then the injected delay. Null when the dispatcher cancelled it before
 * its results were computed; results computed before a cancel are still returned.
 */
async function runSplit(
  session: WorkerSession,
  split: SplitAssignment,
  faults: WorkerFaults | undefined,
  invocation: AbortSignal | undefined,
): Promise<SplitResult | null> {
  const delayMs = faults?.delayMsPerSplit ?? 0;
  const signal = invocation ? AbortSignal.any([split.signal, invocation]) : split.signal;
  let result: SplitResult;
  try {
    result = await processSplit(
      session,
      { splitId: split.splitId, keys: split.keys, attempt: split.attempt },
      { signal, readErrors: faults?.readErrors },
    );
  } catch (err) {
    if (split.signal.aborted && !invocation?.aborted) return null;
    throw err;
  }
  if (delayMs > 0) {
    await sleep(delayMs, undefined, { signal }).catch((err: unknown) => {
      if (invocation?.aborted) throw err;
    });
  }
  return { ...result, endedAt: Date.now() };
}

/** The invocation's result from a finished dynamic run. */
export function dynamicResult(
  work: DynamicPayload,
  run: DynamicRun,
  wallMs: number,
  runtime: WorkerResult['runtime'],
  modelDigest?: WorkerResult['timings']['modelDigest'],
): WorkerResult {
  return {
    workerId: work.workerId,
    splits: run.splits,
    timings: {
      cold: run.session.cold,
      modelLoadMs: run.session.modelLoadMs,
      stageBusyMs: run.session.busyMs,
      wallMs,
      images: run.session.images,
      ...(modelDigest ? { modelDigest } : {}),
      ...(run.session.labelsDigest ? { labelsDigest: run.session.labelsDigest } : {}),
    },
    runtime,
    dispatch: run.report,
  };
}
