/**
 * The real CLI as installed (`bin/obifaas.js` over `dist/`) in a child process: it, and the
 * function processes it starts, start in a fraction of the time the CLI from source takes
 * (no TypeScript to compile at each start). Refuses to run from a `dist/` older than the
 * sources (`npm run build` first).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { newestMtime } from './compiled-dist.js';
import { repoRoot } from './repo-root.js';

export interface BinRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The CLI's process id. */
  pid: number;
}

/** The installed command: run it as `node BUILT_CLI ...args`. */
export const BUILT_CLI = path.join(repoRoot, 'bin', 'obifaas.js');

let freshDist: Promise<void> | undefined;

/** Throws unless `dist/` was built after the last change to `src/` (checked once a process). */
export function requireFreshDist(): Promise<void> {
  freshDist ??= (async () => {
    const built = await stat(path.join(repoRoot, 'dist', 'cli', 'main.js')).catch(() => undefined);
    if (!built || built.mtimeMs < (await newestMtime(path.join(repoRoot, 'src'))))
      throw new Error("dist/ is missing or older than src/: run 'npm run build' first");
  })();
  return freshDist;
}

/**
 * Runs `obifaas ...args` from `dist/` in `cwd`; `onSpawn` gets the child (to watch or kill it);
 * a run still going after `timeoutMs` (default 120 s; `Infinity`: no limit) is killed (and its
 * `signal` says so).
 */
export function obifaasBin(
  args: readonly string[],
  options: {
    cwd: string;
    env?: NodeJS.ProcessEnv;
    onSpawn?: (child: ChildProcess) => void;
    timeoutMs?: number;
  },
): Promise<BinRun> {
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
    const timeoutMs = options.timeoutMs ?? 120_000;
    const timer = Number.isFinite(timeoutMs) ? setTimeout(() => child.kill('SIGKILL'), timeoutMs) : undefined;
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, pid: child.pid ?? -1 });
    });
    options.onSpawn?.(child);
  });
}
