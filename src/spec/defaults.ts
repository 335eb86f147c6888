/** Defaults of a job spec, with their units in their names. */

import type { DispatchMode } from '../core/dispatch-plan.js';

/** How a job dispatches when it does not say. */
export const DEFAULT_DISPATCH_MODE: DispatchMode = 'static';
/** Inputs per split (dynamic mode) and the unit of the static default worker count. */
export const DEFAULT_SPLIT_SIZE = 32;
/** Memory configured per function, in MB (the reference's best ResNet50 worker). */
export const DEFAULT_MEMORY_MB = 3008;
/** Longest one invocation may run before it is stopped and failed (Lambda's maximum). */
export const DEFAULT_INVOCATION_TIMEOUT_MS = 15 * 60_000;
/** How many times a failed invocation is tried again before its inputs get error entries. */
export const DEFAULT_MAX_RETRIES = 1;
/** Where a setting came from when the job's options object set it (no flag, variable or file). */
export const JOB_SPEC_SOURCE = 'job spec';
/** Classes reported per input. */
export const DEFAULT_TOP_K = 5;
/** Folder (under the working directory) that holds one sub-folder per job run. */
export const DEFAULT_OUT_ROOT = 'obifaas-out';
/** Job name when none is given and none can be derived from the inputs. */
export const DEFAULT_JOB_NAME = 'job';
/** Workers a dynamic job starts when it does not say (the reference's default). */
export const DEFAULT_DYNAMIC_WORKERS = 50;
