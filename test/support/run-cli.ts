/**
 * Runs the `obifaas` CLI as installed (`bin/obifaas.js` over a fresh `dist/`) in a child process
 * without blocking this process (test servers living in this process keep answering meanwhile).
 */
import { obifaasBin, requireFreshDist, type BinRun } from './obifaas-bin.js';
import { repoRoot } from './repo-root.js';

export type CliRun = BinRun;

/** Runs `obifaas ...args` in the repository's root; a run still going after `timeoutMs` is killed. */
export async function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 120_000,
): Promise<CliRun> {
  await requireFreshDist();
  return obifaasBin(args, { cwd: repoRoot, env, timeoutMs });
}
