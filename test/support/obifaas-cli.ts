/** The real CLI as installed (`bin/obifaas.js` over a fresh `dist/`) in a child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { BUILT_CLI, requireFreshDist } from './obifaas-bin.js';

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `obifaas ...args` in `cwd`; `onSpawn` gets the child (to watch it, or kill it). */
export async function obifaas(
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; onSpawn?: (child: ChildProcess) => void },
): Promise<CliRun> {
  await requireFreshDist();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BUILT_CLI, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    options.onSpawn?.(child);
  });
}
