/**
 * Deployment settings of the functions tests start: what they may read (the test's folders,
 * buckets and S3 endpoint) and dial. Functions in tests are deployed like real ones: nothing is
 * readable unless the test says so.
 */
import { accessToEnv, noAccess, type FunctionAccess } from '../../src/protocol/function-access.js';
import type { FunctionDeployment } from '../../src/worker/access/grant-work.js';

export interface TestAccess {
  read?: string[];
  buckets?: string[];
  s3Endpoint?: string;
  dispatchers?: string[];
  /** `required`: refuse payloads that pin no dispatcher certificate. */
  dispatcherTls?: FunctionAccess['dispatcherTls'];
}

export function testAccess(options: TestAccess): FunctionAccess {
  const base = noAccess();
  return {
    readRoots: options.read ?? [],
    buckets: options.buckets ?? [],
    s3: options.s3Endpoint ? { endpoint: options.s3Endpoint } : {},
    dispatchers: options.dispatchers ?? base.dispatchers,
    dispatcherTls: options.dispatcherTls ?? base.dispatcherTls,
  };
}

/** A deployment for `handle()` called in the test process. */
export function testDeployment(options: TestAccess): FunctionDeployment {
  return { access: testAccess(options) };
}

/** The `serve-function` flags that deploy a function with that access. */
export function testAccessFlags(options: TestAccess): string[] {
  return [
    ...(options.read ?? []).flatMap((p) => ['--allow-read', p]),
    '--allow-buckets',
    (options.buckets ?? []).join(','),
    ...(options.s3Endpoint ? ['--storage-endpoint', options.s3Endpoint] : []),
    '--allow-dispatchers',
    (options.dispatchers ?? []).join(','),
  ];
}

/** The environment of a function process (a Lambda container, a `serve-function`) with that access. */
export function testAccessEnv(options: TestAccess): Record<string, string> {
  return accessToEnv(testAccess(options));
}
