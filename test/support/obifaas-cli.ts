/** The real CLI as installed (`bin/obifaas.js` over a fresh `dist/`) in a child process. */
import type { ChildProcess } from 'node:child_process';
import { obifaasBin, requireFreshDist, type BinRun } from './obifaas-bin.js';

export type CliRun = BinRun;

/** Runs `obifaas ...args` in `cwd`, for as long as it takes; `onSpawn` gets the child (to watch it, or kill it). */
export async function obifaas(
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; onSpawn?: (child: ChildProcess) => void },
): Promise<CliRun> {
  await requireFreshDist();
  return obifaasBin(args, { ...options, timeoutMs: Infinity });
}
