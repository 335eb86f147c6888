/**
 * Starts `obifaas serve-function` processes (the real CLI as installed, over a fresh `dist/`)
 * on loopback ports, for tests of the http backend; each prints its URL once ready.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { BUILT_CLI, requireFreshDist } from './obifaas-bin.js';
import { repoRoot } from './repo-root.js';

export { repoRoot };
const START_TIMEOUT_MS = 60_000;

export interface FunctionServerProcess {
  url: string;
  child: ChildProcess;
  /** Everything it printed on stderr. */
  stderr(): string;
}

/** Starts one server; `args` are extra flags of `serve-function`. */
export async function startFunctionServerProcess(
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<FunctionServerProcess> {
  await requireFreshDist();
  const child = spawn(process.execPath, [BUILT_CLI, 'serve-function', '--port', '0', ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve-function did not start: ${stderr}`));
    }, START_TIMEOUT_MS);
    child.stdout?.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
      const url = /listening on (http:\/\/\S+)/.exec(stdout)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({ url, child, stderr: () => stderr });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve-function exited with code ${code}: ${stderr.trim()}`));
    });
  });
}

/** Stops a server (SIGTERM, then SIGKILL) and waits for it to exit. */
export async function stopFunctionServerProcess(server: FunctionServerProcess): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
