/** One job's life: dispatch, retries, outputs, summary. */
export { runJob, CANCELLED_ERROR } from './run-job.js';
export {
  dispatchStrategies,
  type DispatchContext,
  type DispatchOutcome,
  type DispatchStrategy,
} from './dispatch.js';
export { defaultStaticWorkers } from './static-dispatch.js';
export { runDynamicDispatch, FINISH_GRACE_MS } from './dynamic-dispatch.js';
export type { DispatcherRecord, InvocationReason } from './dispatcher-record.js';
export { prepareResume, type PreparedResume } from './resume.js';
export { DEFAULT_DYNAMIC_WORKERS, inputsDigest, plannedWorkers, planSize, planSplits } from './plan.js';
export { INVOCATIONS_FILE, JOB_SPEC_FILE } from './job-spec-file.js';
export { summarizeJob } from './summary.js';
export {
  RESULTS_FILE,
  SPLITS_FILE,
  JOB_RECORD_FILE,
  WORKER_LOG_FILE,
  prepareOutputFolder,
} from './output.js';
export type * from './types.js';
