/**
 * The built CLI killed (SIGKILL) at the moment it makes a chosen request through an S3 fault
 * proxy: the request is held unanswered, so the kill lands while the CLI waits on it.
 */
import type { ChildProcess } from 'node:child_process';
import { obifaas, type CliRun } from './obifaas-cli.js';
import type { S3FaultProxy } from './s3-fault-proxy.js';

/**
 * Runs `obifaas ...args` and kills it at its first `method` request whose path starts with
 * `pathPrefix` through `proxy`; the proxy's rule is cleared once the run ends.
 */
export async function obifaasKilledAtRequest(
  proxy: S3FaultProxy,
  request: { method: 'GET' | 'PUT'; pathPrefix: string },
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<CliRun> {
  let child: ChildProcess | undefined;
  proxy.intercept(({ method, url }) => {
    if (method !== request.method || !url.startsWith(request.pathPrefix)) return undefined;
    child?.kill('SIGKILL');
    return 'hold';
  });
  try {
    return await obifaas(args, { ...options, onSpawn: (c) => (child = c) });
  } finally {
    proxy.intercept(undefined);
  }
}
