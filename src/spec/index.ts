/** The job spec: options a user writes, compiled into a resolved spec. */
export {
  compileJobSpec,
  validateJobOptions,
  isModelPath,
  isUri,
  nameFromInputs,
  timestampForName,
} from './compile.js';
export { jobOptionsSchema, backendSchemas, modes, type JobOptions } from './schema.js';
export type {
  CompileContext,
  DispatchSpec,
  ResolvedBackend,
  ResolvedJobSpec,
  ResolvedLocalBackend,
} from './types.js';
export * from './defaults.js';
