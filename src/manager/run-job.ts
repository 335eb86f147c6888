/**
 * One job's life: check the inputs, the model and the output folder (before any function
 * starts), run the dispatch strategy on a backend, write every result as it arrives, and write
 * `job.json` at the end. Every input ends with exactly one line in `results.jsonl`, whether the
 * job completes, is cancelled, or is stopped by an error no retry can fix.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createBackend } from '../backends/factory.js';
import { resolveInputs } from '../dataset/inputs.js';
import { messageOf } from '../errors.js';
import { resolveModelPath } from '../models/cache.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import { loadLabels, resolveModelFile } from '../worker/model-source.js';
import { dispatchStrategies, type DispatchOutcome } from './dispatch.js';
import {
  JsonlLog,
  openWorkerLog,
  prepareOutputFolder,
  RESULTS_FILE,
  SPLITS_FILE,
  writeJobRecord,
} from './output.js';
import { ResultSink } from './result-sink.js';
import { summarizeJob } from './summary.js';
import type { InvocationRecord, JobOutcome, JobRecord, JobStatus, RunJobDeps } from './types.js';

/** Error of the inputs a cancelled job did not reach. */
export const CANCELLED_ERROR = 'cancelled';

/** Runs a job to its end. Throws `UserError` for bad inputs, model or output folder (nothing ran). */
export async function runJob(spec: ResolvedJobSpec, deps: RunJobDeps = {}): Promise<JobOutcome> {
  const now = deps.now ?? Date.now;
  const inputs =
    deps.inputs ?? (await resolveInputs(spec.inputs, spec.storage ? { storage: spec.storage } : {}));
  const modelPath = await resolveModelFile(
    await resolveModelPath(spec.model.uri, deps.home ? { home: deps.home } : {}),
  );
  if (spec.model.labelsUri) await loadLabels(spec.model.labelsUri);
  const outDir = spec.outDir;
  await prepareOutputFolder(outDir);

  const jobId = `${spec.name}-${randomBytes(4).toString('hex')}`;
  const startedAt = now();
  const results = await JsonlLog.open(path.join(outDir, RESULTS_FILE));
  const splitLog = await JsonlLog.open(path.join(outDir, SPLITS_FILE));
  const workerLog = openWorkerLog(outDir);
  const ownsBackend = !deps.backend;
  const backend =
    deps.backend ??
    (deps.createBackend
      ? deps.createBackend(spec.backend, workerLog)
      : createBackend(spec.backend, { log: workerLog }));
  const stopper = new AbortController();
  let stopReason: string | undefined;
  const signal = deps.signal ? AbortSignal.any([deps.signal, stopper.signal]) : stopper.signal;
  const sink = new ResultSink(results, splitLog, inputs.keys, startedAt, now, deps.onProgress);
  const invocations: InvocationRecord[] = [];
  deps.onProgress?.(sink.progress());

  let outcome: DispatchOutcome | undefined;
  let internalError: unknown;
  try {
    outcome = await dispatchStrategies[spec.dispatch.type]({
      jobId,
      spec,
      keys: inputs.keys,
      storage: inputs.storage,
      model: { uri: modelPath, ...(spec.model.labelsUri ? { labelsUri: spec.model.labelsUri } : {}) },
      backend,
      sink,
      signal,
      stop: (reason) => {
        stopReason ??= reason;
        stopper.abort();
      },
      recordInvocation: (record) => invocations.push(record),
      faultsFor: deps.faultsFor ?? (() => undefined),
      now,
    });
  } catch (err) {
    internalError = err;
    stopReason ??= `internal error: ${messageOf(err)}`;
  } finally {
    if (ownsBackend) await backend.close();
  }
  const cancelled = deps.signal?.aborted === true && stopReason === undefined;
  const reason = cancelled ? CANCELLED_ERROR : `job stopped: ${stopReason ?? 'no result returned'}`;
  try {
    await sink.finishUnwritten([{ splitId: '*', keys: [...inputs.keys] }], reason);
  } finally {
    await Promise.all([
      results.close(),
      splitLog.close(),
      new Promise<void>((resolve) => workerLog.end(resolve)),
    ]);
  }

  const endedAt = now();
  const status: JobStatus = cancelled ? 'cancelled' : stopReason !== undefined ? 'failed' : 'completed';
  const counts = sink.counts();
  const splits = outcome?.records ?? [];
  const summary = summarizeJob({
    name: spec.name,
    jobId,
    status,
    mode: spec.dispatch.type,
    backend: backend.name,
    memoryMb: backend.memoryMb,
    prices: spec.prices,
    inputs: inputs.keys.length,
    ok: counts.ok,
    errors: counts.errors,
    workers: outcome?.workers ?? 0,
    invocations,
    splits,
    startedAt,
    lastResultAt: sink.lastResultAt ?? endedAt,
    out: outDir,
  });
  const record: JobRecord = {
    version: 1,
    jobId,
    name: spec.name,
    status,
    ...(stopReason !== undefined ? { stopReason } : {}),
    startedAt: new Date(startedAt).toISOString(),
    endedAt: new Date(endedAt).toISOString(),
    spec,
    pipeline: outcome?.pipeline ?? spec.pipeline,
    inputs: {
      location: inputs.source.location,
      kind: inputs.source.kind,
      storage: inputs.storage,
      count: inputs.keys.length,
    },
    model: {
      uri: spec.model.uri,
      path: modelPath,
      ...(spec.model.labelsUri ? { labelsUri: spec.model.labelsUri } : {}),
    },
    summary,
    splits,
    invocations,
  };
  await writeJobRecord(outDir, record);
  if (internalError !== undefined) throw internalError;
  return { record, summary, outDir };
}
