/**
 * One job's life: check the inputs, the model and the output folder together (before any
 * function starts, `job-checks.ts`), start the run (`job-run-start.ts`: its id, the splits left,
 * `job.spec.json`), run the dispatch strategy on a backend, write every result as it arrives,
 * and write `job.json` at the end. Every input ends with exactly one line in `results.jsonl`,
 * whether the job completes, is cancelled, or is stopped by an error no retry can fix.
 */
import { setMaxListeners } from 'node:events';
import path from 'node:path';
import { createBackend } from '../backends/factory.js';
import { FaultInjector } from '../core/faults.js';
import { splitOf } from '../core/splitting.js';
import { messageOf } from '../errors.js';
import { planJob, splitsToRun } from '../job-plan/plan-job.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import { dispatchStrategy, type DispatchOutcome, type RunInvocationRecord } from './dispatch.js';
import { jobFunctionAccess } from './function-access.js';
import { asCheck } from './check-failures.js';
import { checkJob, type CheckedJob } from './job-checks.js';
import { openJobFiles } from './job-files.js';
import { resumeTargetOf } from './resume-command.js';
import { startJobRun } from './job-run-start.js';
import type { JobContract } from './job-contract.js';
import { cancelReasonOf } from './cancel-reason.js';
import { removeStagedVectors, writeJobEmbeddings } from './embeddings-file.js';
import { checkNewJobFolder, prepareOutputFolder, RESULTS_FILE, writeJobRecord } from './output.js';
import { lockJobFolder } from './job-lock.js';
import { countingBackend } from './counting-backend.js';
import { ResultSink } from './result-sink.js';
import { sortResultsFile } from './results-file.js';
import { mergeSplitRecords } from './resume-records.js';
import { removeReopenedSplits } from './reopen-errors.js';
import { jobRecord } from './job-record.js';
import type { JobStatus } from './job-events.js';
import type { InvocationRecord } from './types.js';
import type { JobOutcome, ResumeState, RunJobDeps } from './run-job-types.js';
import type { ResolvedInputs } from '../dataset/inputs.js';
import { faultsOfEveryRun, invocationStart } from './run-accounting.js';
import { jobRunAccounts } from './run-spans.js';
import { steadyNow } from '../util/steady-clock.js';

/** Error of the inputs a cancelled job did not reach. */
export const CANCELLED_ERROR = 'cancelled';

/**
 * Runs a job to its end: plans it (`planJob`) on its backend and runs the plan. Throws
 * `UserError` for bad inputs, model or output folder (nothing ran), and rejects with the reason
 * of `deps.signal` when it is aborted before the job starts (nothing is written). With
 * `deps.resume`, runs the plan minus the splits an earlier run finished, in the job's own folder.
 */
export async function runJob(spec: ResolvedJobSpec, deps: RunJobDeps = {}): Promise<JobOutcome> {
  const now = deps.now ?? steadyNow;
  const resume = deps.resume;
  // A job cancelled before it starts writes nothing: it rejects with the abort's reason.
  deps.signal?.throwIfAborted();
  // The sources, the model's fit and a new job's folder, checked together before anything is written.
  const checked = await checkJob(spec, deps);
  const { inputs, contract, digest, modelDigests: digests, externalData, dispatcherTls } = checked;
  deps.signal?.throwIfAborted();
  const outDir = spec.outDir;
  // A new job's folder refused (made, locked, found in use) as its checks refuse it: under `out`.
  if (!resume) await asCheck('out', prepareOutputFolder(outDir));
  // The folder's lock, held for the whole run: a resume is given the one it took to read the folder.
  const lock =
    deps.lock ??
    (await (resume
      ? lockJobFolder(outDir, { what: '--resume' })
      : asCheck('out', lockJobFolder(outDir, { what: 'out' }))));
  try {
    if (!resume) await asCheck('out', checkNewJobFolder(outDir));
    const sources = { inputs, contract, digest, digests, externalData, dispatcherTls };
    return await runInFolder({ spec, deps, now, resume, ...sources, outDir });
  } finally {
    if (!deps.lock) await lock.release();
  }
}

/** What {@link runInFolder} gets from `runJob`: the job's sources, checked, and its folder, locked. */
interface FolderRun {
  spec: ResolvedJobSpec;
  deps: RunJobDeps;
  now: () => number;
  resume: ResumeState | undefined;
  inputs: ResolvedInputs;
  /** The model's contract (its `model`: as the functions get it); `job.json` keeps it. */
  contract: JobContract;
  digest: string;
  /** What the model and labels files held when the job started (unknown for an older job). */
  digests: CheckedJob['modelDigests'];
  /** The model's external data files, as its check found them. */
  externalData: string[];
  dispatcherTls: CheckedJob['dispatcherTls'];
  outDir: string;
}

/** Runs the job's plan in its folder, whose lock the caller holds. */
async function runInFolder({
  spec,
  deps,
  now,
  resume,
  inputs,
  contract,
  digest,
  digests,
  externalData,
  dispatcherTls,
  outDir,
}: FolderRun): Promise<JobOutcome> {
  const { model } = contract;
  const { jobId, startedAt, run, thisRun, runs, doneBefore } = await startJobRun({
    spec,
    inputs: { count: inputs.keys.length, digest },
    digests,
    resume,
    now,
  });
  await deps.onSpecWritten?.(outDir);
  const { task } = contract;
  const files = await openJobFiles(outDir, {
    embed: task.task.kind === 'embed',
    resumeTarget: resumeTargetOf(spec),
  });
  const { invocationLog, vectors, workerLog } = files;
  const ownsBackend = !deps.backend;
  const realBackend =
    deps.backend ??
    (deps.createBackend
      ? deps.createBackend(spec.backend, workerLog)
      : createBackend(spec.backend, { log: workerLog }));
  realBackend.allowFunctions?.(jobFunctionAccess(spec, inputs.storage, model, externalData));
  const plan = planJob(spec, inputs.keys.length, realBackend, {
    finished: doneBefore,
    ...(deps.estimate ? { estimate: deps.estimate } : {}),
  });
  const toRun = splitsToRun(plan).map((range) => splitOf(range, inputs.keys));
  const backend = countingBackend(realBackend, {
    started: (payload, reason, running) => {
      sink.running = running;
      if (payload.kind === 'ping') return;
      const splitIds = payload.kind === 'static' ? payload.splits.map((s) => s.splitId) : [];
      sink.emit({ type: 'invocation-started', workerId: payload.workerId, reason, splitIds });
      // Recorded as submitted, so that an invocation whose end is never written is accounted for.
      const start = invocationStart(payload, reason, run, now(), realBackend.memoryMb, injector);
      void invocationLog.append([start]).catch(() => undefined);
    },
    ended: (running) => {
      sink.running = running;
    },
  });
  const stopper = new AbortController();
  let stopReason: string | undefined;
  /** Stops the job for `reason` (the first one given is kept). */
  const stopJob = (reason: string): void => {
    if (stopReason !== undefined) return;
    stopReason = reason;
    sink.emit({ type: 'error', message: reason, fatal: true });
    stopper.abort();
  };
  const signal = deps.signal ? AbortSignal.any([deps.signal, stopper.signal]) : stopper.signal;
  // Every invocation waiting for a function listens to it: many listeners, and no leak.
  setMaxListeners(0, signal);
  const sink = new ResultSink(
    files.results,
    files.splitLog,
    inputs.keys,
    startedAt,
    now,
    deps.onProgress,
    vectors,
  );
  sink.run = run;
  if (resume) sink.restore(doneBefore, resume.lines);
  const invocations: InvocationRecord[] = [...(resume?.invocations ?? [])];
  const planned = plan.invocations.count;
  const injector = spec.faults && !deps.faultsFor ? new FaultInjector(spec.faults, planned) : null;
  sink.emit({ type: 'job-started', jobId, plannedInvocations: planned, splits: toRun.length });
  if (dispatcherTls?.warning) sink.emit({ type: 'warning', message: dispatcherTls.warning });

  let outcome: DispatchOutcome | undefined;
  let internalError: unknown;
  try {
    outcome = await dispatchStrategy(spec.dispatch.type)({
      jobId,
      spec,
      keys: inputs.keys,
      splits: toRun,
      ...(resume?.reopened ? { reopened: resume.reopened } : {}),
      plannedWorkers: planned,
      pipeline: plan.pipeline,
      workerIdPrefix: thisRun.workerIdPrefix,
      storage: inputs.storage,
      model,
      task: task.task,
      backend,
      sink,
      signal,
      stop: stopJob,
      recordInvocation: (record) => {
        invocations.push(record);
        void invocationLog.append([{ event: 'ended', ...record }]).catch(() => undefined);
        reportInvocation(sink, record, deps.signal?.aborted === true);
      },
      faultsFor: deps.faultsFor ?? (injector ? (workerId) => injector.faultsFor(workerId) : () => undefined),
      dispatcherTls,
      now,
    });
  } catch (err) {
    internalError = err;
    stopJob(`internal error: ${messageOf(err)}`);
  } finally {
    if (ownsBackend) await backend.close();
  }
  // A cancel that came after every input had its line (while the job wrote its records) is too
  // late to matter: the job completed.
  const everyInputDone = sink.progress().done === inputs.keys.length;
  const cancelled = deps.signal?.aborted === true && stopReason === undefined && !everyInputDone;
  const reason = cancelled ? CANCELLED_ERROR : `job stopped: ${stopReason ?? 'no result returned'}`;
  try {
    await sink.finishUnwritten([{ splitId: '*', keys: [...inputs.keys] }], reason);
  } finally {
    await files.close();
  }
  // The vectors staged so far, in the rows the result lines name (a stopped job's too).
  const embeddings = vectors
    ? await writeJobEmbeddings(outDir, vectors, { jobId, modelUri: spec.model.uri, task })
    : undefined;

  const endedAt = now();
  const status: JobStatus = cancelled ? 'cancelled' : stopReason !== undefined ? 'failed' : 'completed';
  // A completed job's results in input order; a cancelled or stopped one stays resumable.
  if (status === 'completed') await sortResultsFile(path.join(outDir, RESULTS_FILE), inputs.keys);
  thisRun.endedAt = new Date(endedAt).toISOString();
  const accounts = jobRunAccounts({
    runs,
    invocations,
    earlierSplits: resume?.doneSplits ?? [],
    current: {
      run,
      startedAt,
      endedAt,
      lastResultAt: sink.lastResultAt,
      lastPredictionAt: sink.lastPredictionAt,
    },
  });
  const { record, summary } = jobRecord({
    spec,
    jobId,
    status,
    stopReason,
    cancelReason: cancelled ? cancelReasonOf(deps.signal?.reason) : undefined,
    startedAt: resume?.firstStartedAt ?? startedAt,
    endedAt,
    plan,
    inputs,
    contract,
    digests,
    sink,
    backend,
    outcome,
    splits: mergeSplitRecords(plan.splits, resume?.doneSplits ?? [], outcome?.records ?? [], run),
    invocations,
    accounts,
    resumed: run > 0,
    faults: spec.faults ? faultsOfEveryRun(resume, injector, run) : undefined,
    outDir,
    embeddings,
  });
  await writeJobRecord(outDir, record, resumeTargetOf(spec));
  if (embeddings && status === 'completed') await removeStagedVectors(outDir);
  if (status === 'completed') await removeReopenedSplits(outDir);
  sink.emit({ type: 'job-ended', status });
  if (internalError !== undefined) throw internalError;
  return { record, summary, outDir };
}

/**
 * Tells the job's listener that an invocation ended, and why it failed if it did: an invocation
 * that ended once the job was `cancelled` is not a failure to tell as an `error`.
 */
function reportInvocation(sink: ResultSink, record: RunInvocationRecord, cancelled: boolean): void {
  const stopped = record.stopped === true;
  sink.emit({
    type: 'invocation-ended',
    workerId: record.workerId,
    reason: record.reason,
    attempt: record.attempt,
    ok: record.ok,
    ...(record.error !== undefined ? { error: record.error } : {}),
    stopped,
    cold: record.cold,
    durationMs: record.durationMs,
  });
  if (!record.ok && !stopped && !cancelled)
    sink.emit({
      type: 'error',
      message: record.error ?? 'the invocation failed',
      fatal: false,
      workerId: record.workerId,
      ...(record.retryable !== undefined ? { retryable: record.retryable } : {}),
    });
}
