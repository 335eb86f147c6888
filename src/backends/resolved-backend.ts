/**
 * What `createBackend` takes: a backend's settings with every default applied and units in
 * their names, a tagged union on `type`. The job spec compiles user options into these
 * (`spec/compile.ts`); backends never read the spec itself.
 */

/** The local backend: functions are long-lived child processes on this machine. */
export interface ResolvedLocalBackend {
  type: 'local';
  maxConcurrency: number;
  memoryMb: number;
  timeoutMs: number;
}

/** Where the job's functions run (a tagged union). */
export type ResolvedBackend = ResolvedLocalBackend | ResolvedLambdaBackend | ResolvedHttpBackend;

/** Retry settings with units in their names. */
export interface ResolvedRetry {
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/** AWS Lambda: one function per memory size, `<functionPrefix>-<memoryMb>` unless `functionName`. */
export interface ResolvedLambdaBackend {
  type: 'lambda';
  region?: string;
  endpoint?: string;
  functionPrefix: string;
  functionName?: string;
  memoryMb: number;
  maxConcurrency: number;
  /** Client-side limit per invocation, throttling retries included. */
  timeoutMs: number;
  retry?: ResolvedRetry;
}

/** HTTP functions: `perUrlConcurrency` invocations at once per URL, `maxConcurrency` in all. */
export interface ResolvedHttpBackend {
  type: 'http';
  urls: string[];
  perUrlConcurrency: number;
  maxConcurrency: number;
  memoryMb: number;
  /** vCPUs each function has (`backend.vcpus`); undefined: the http default. */
  vcpus?: number;
  timeoutMs: number;
  retry?: ResolvedRetry;
}
