/**
 * Who a process is, and whether it still runs: its pid on its host, and on Linux the boot it
 * started in and its start time (`/proc/<pid>/stat`, field 22, in clock ticks since boot). A
 * pid alone is not enough: after a reboot, or once enough processes have started, the same pid
 * names another process, and a lock or a record naming it would be taken for a live one.
 *
 * Elsewhere (no `/proc`), a process is alive when a signal 0 reaches it: a reused pid then looks
 * alive, and the user has to say otherwise (`--force`).
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';

/** A process as a lock or a record names it. */
export interface ProcessIdentity {
  pid: number;
  host: string;
  /** Linux: `/proc/sys/kernel/random/boot_id` when the process was named. */
  bootId?: string;
  /** Linux: the process's start time, in clock ticks after boot. */
  startTicks?: number;
}

/** Whether the process a {@link ProcessIdentity} names runs now, and why we think so. */
export type ProcessLiveness =
  /** `certain`: its pid runs with the start time it was named with (not a reused pid). */
  | { state: 'alive'; why: string; certain: boolean }
  | { state: 'dead'; why: string }
  /** On another machine, or named without what this machine needs to tell. */
  | { state: 'unknown'; why: string };

/** Linux: the state letter and start time of `pid`; null when there is no such process. */
async function procStat(pid: number): Promise<{ state: string; startTicks: number } | null> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // `pid (comm) state ppid ...`: comm may hold spaces and parentheses, so read after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const startTicks = Number(fields[19]);
  if (!Number.isSafeInteger(startTicks)) return null;
  return { state: fields[0] ?? '?', startTicks };
}

async function bootId(): Promise<string | undefined> {
  const text = await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => undefined);
  return text?.trim() || undefined;
}

/** True where `/proc/<pid>/stat` tells start times (Linux). */
async function hasProcStat(): Promise<boolean> {
  return (await procStat(process.pid)) !== null;
}

let own: Promise<ProcessIdentity> | undefined;

/** This process: its pid and host, and on Linux its boot and start time. */
export function ownProcessIdentity(): Promise<ProcessIdentity> {
  own ??= (async () => {
    const stat = await procStat(process.pid);
    const boot = stat ? await bootId() : undefined;
    return {
      pid: process.pid,
      host: os.hostname(),
      ...(boot !== undefined ? { bootId: boot } : {}),
      ...(stat ? { startTicks: stat.startTicks } : {}),
    };
  })();
  return own;
}

/** Whether a signal 0 reaches `pid` (EPERM: it exists, owned by another user). */
function signalReaches(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the process `who` names still runs, as far as this machine can tell. */
export async function processLiveness(who: ProcessIdentity): Promise<ProcessLiveness> {
  if (who.host !== os.hostname())
    return { state: 'unknown', why: `it runs on another machine (${who.host}), which this one cannot ask` };
  if (await hasProcStat()) {
    const boot = await bootId();
    if (who.bootId !== undefined && boot !== undefined && who.bootId !== boot)
      return { state: 'dead', why: 'the machine has restarted since' };
    const stat = await procStat(who.pid);
    if (!stat) return { state: 'dead', why: `no process ${who.pid} runs` };
    if (stat.state === 'Z' || stat.state === 'X')
      return { state: 'dead', why: `process ${who.pid} has ended` };
    if (who.startTicks !== undefined && stat.startTicks !== who.startTicks)
      return { state: 'dead', why: `process ${who.pid} is another process now (its start time differs)` };
    if (who.startTicks !== undefined)
      return { state: 'alive', why: `process ${who.pid} runs`, certain: true };
  }
  // No start time to compare: a pid reused after a restart would look alive.
  return signalReaches(who.pid)
    ? {
        state: 'alive',
        why: `a process ${who.pid} runs (this system does not tell start times)`,
        certain: false,
      }
    : { state: 'dead', why: `no process ${who.pid} runs` };
}
