/** The backend that resolved backend settings name. Each backend type adds its case here. */
import type { ComputeBackend } from './backend.js';
import { HttpBackend } from './http/http-backend.js';
import { FUNCTION_TOKEN_ENV } from '../protocol/http-function.js';
import { lambdaFunctionCpus } from './lambda/lambda-cpus.js';
import { LazyBackend } from './lazy-backend.js';
import type { LogSink } from './local/function-process.js';
import { LocalBackend } from './local/local-backend.js';
import type { ResolvedBackend } from './resolved-backend.js';

/** What a backend made by {@link createBackend} writes to and reads its secrets from. */
export interface CreateBackendOptions {
  /** Where function output goes (local processes' stdout and stderr, Lambda log tails). */
  log?: LogSink;
  /** Environment to read secrets from (the http backend's token); default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/**
 * The backend that resolved settings name (`local`, `lambda` or `http`); the caller owns it and
 * calls `close()` when done. The Lambda SDK is loaded only when a Lambda function is first invoked.
 */
export function createBackend(spec: ResolvedBackend, options: CreateBackendOptions = {}): ComputeBackend {
  switch (spec.type) {
    case 'local':
      return new LocalBackend({
        maxConcurrency: spec.maxConcurrency,
        memoryMb: spec.memoryMb,
        timeoutMs: spec.timeoutMs,
        ...(options.log ? { log: options.log } : {}),
      });
    case 'lambda':
      // The Lambda SDK is loaded only when a Lambda job invokes its first function.
      return new LazyBackend(
        'lambda',
        spec.memoryMb,
        spec.maxConcurrency,
        lambdaFunctionCpus(spec.memoryMb),
        async () => {
          const { LambdaBackend } = await import('./lambda/lambda-backend.js');
          return new LambdaBackend({
            memoryMb: spec.memoryMb,
            functionPrefix: spec.functionPrefix,
            ...(spec.functionName ? { functionName: spec.functionName } : {}),
            ...(spec.region ? { region: spec.region } : {}),
            ...(spec.endpoint ? { endpoint: spec.endpoint } : {}),
            maxConcurrency: spec.maxConcurrency,
            timeoutMs: spec.timeoutMs,
            ...(spec.retry ? { retry: spec.retry } : {}),
            ...(options.log ? { log: options.log } : {}),
          });
        },
      );
    case 'http': {
      const token = (options.env ?? process.env)[FUNCTION_TOKEN_ENV];
      return new HttpBackend({
        urls: spec.urls,
        perUrlConcurrency: spec.perUrlConcurrency,
        maxConcurrency: spec.maxConcurrency,
        memoryMb: spec.memoryMb,
        ...(spec.vcpus !== undefined ? { vcpus: spec.vcpus } : {}),
        timeoutMs: spec.timeoutMs,
        ...(spec.retry ? { retry: spec.retry } : {}),
        ...(token ? { token } : {}),
      });
    }
  }
}
