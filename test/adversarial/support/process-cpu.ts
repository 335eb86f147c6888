/**
 * Waits on what a process's threads do rather than on the clock: a model run is under way once
 * the process has spent CPU time it spends on nothing else. Each wait polls with a bound and
 * fails loudly at it, so that a slow machine waits longer instead of checking less.
 */
import fs from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

const POLL_MS = 20;
/** Polls before a wait gives up: a minute at most. */
const MAX_POLLS = 3_000;

/** This process's CPU time (user and system, every thread), in seconds. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/**
 * Resolves once this process has spent `seconds` of CPU time more than at the call (its main
 * thread idle meanwhile, that time is a worker thread's run); throws after a minute without.
 */
export async function untilCpuSpent(seconds: number, what: string): Promise<void> {
  const atStart = cpuSeconds();
  for (let polls = 0; polls < MAX_POLLS; polls++) {
    if (cpuSeconds() - atStart >= seconds) return;
    await sleep(POLL_MS);
  }
  throw new Error(`${what}: the process spent less than ${seconds} s of CPU in a minute`);
}

/** CPU time process `pid` has used (user and system, seconds; Linux `/proc`, 100 ticks a second). */
export async function processCpuSeconds(pid: number): Promise<number> {
  const fields = (await fs.readFile(`/proc/${pid}/stat`, 'utf8')).replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resolves once process `pid` has spent `seconds` of CPU time more than at the call; throws after a minute without. */
export async function untilProcessCpuSpent(pid: number, seconds: number, what: string): Promise<void> {
  const atStart = await processCpuSeconds(pid);
  for (let polls = 0; polls < MAX_POLLS; polls++) {
    if ((await processCpuSeconds(pid)) - atStart >= seconds) return;
    await sleep(POLL_MS);
  }
  throw new Error(`${what}: process ${pid} spent less than ${seconds} s of CPU in a minute`);
}
