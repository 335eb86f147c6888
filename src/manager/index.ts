/** One job's life: dispatch, retries, outputs, summary. */
export { runJob, CANCELLED_ERROR } from './run-job.js';
export {
  dispatchStrategies,
  type DispatchContext,
  type DispatchOutcome,
  type DispatchStrategy,
} from './dispatch.js';
export { defaultStaticWorkers } from './static-dispatch.js';
export { summarizeJob } from './summary.js';
export {
  RESULTS_FILE,
  SPLITS_FILE,
  JOB_RECORD_FILE,
  WORKER_LOG_FILE,
  prepareOutputFolder,
} from './output.js';
export type * from './types.js';
