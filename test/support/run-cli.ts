/**
 * Runs the `obifaas` CLI as installed (`bin/obifaas.js` over a fresh `dist/`) in a child process
 * without blocking this process (test servers living in this process keep answering meanwhile).
 */
import { spawn } from 'node:child_process';
import { BUILT_CLI, requireFreshDist } from './obifaas-bin.js';
import { repoRoot } from './repo-root.js';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export async function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 120_000,
): Promise<CliRun> {
  await requireFreshDist();
  const child = spawn(process.execPath, [BUILT_CLI, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}
