/** The local compute backend: functions as child processes on this machine. */
export {
  LocalBackend,
  LOCAL_DEFAULT_MEMORY_MB,
  LOCAL_DEFAULT_TIMEOUT_MS,
  type LocalBackendOptions,
  type ProcessView,
} from './local-backend.js';
export type { LogSink, ProcessEntry } from './function-process.js';
