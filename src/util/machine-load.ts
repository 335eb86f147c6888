/**
 * How busy the machine was around a piece of work: the load average when it started, the CPU
 * time our own processes used, and the cores the other processes kept busy meanwhile. On a
 * shared machine the last one is what slows a measured job down.
 *
 * Our CPU time is this process's (`process.cpuUsage()`, its threads included) plus that of
 * its children once they have exited and been reaped (Linux: `/proc/self/stat` fields 16 and
 * 17, in clock ticks). Start a reading before the work and take the usage after its child
 * processes have exited. The machine's busy time is the sum over `os.cpus()`; the others'
 * share is the machine's minus ours. Without `/proc` our children cannot be counted, and the
 * others' share is null.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { steadyNow } from './steady-clock.js';

/** Linux's USER_HZ, the unit of `/proc/<pid>/stat` CPU times. */
const CLOCK_TICKS_PER_SECOND = 100;

/** What a reading holds; compare two with {@link machineLoadSince}. */
export interface MachineReading {
  atMs: number;
  loadAverage: number;
  /** Busy milliseconds summed over the machine's cores. */
  machineBusyMs: number;
  /** Our CPU milliseconds (this process, and its reaped children when known). */
  ownCpuMs: number;
  childrenCounted: boolean;
}

/** CPU milliseconds of this process's reaped children; null without `/proc`. */
function childrenCpuMs(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cutime = Number(fields[13]);
    const cstime = Number(fields[14]);
    if (!Number.isFinite(cutime) || !Number.isFinite(cstime)) return null;
    return ((cutime + cstime) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** The machine and our processes now. */
export function readMachine(): MachineReading {
  const self = process.cpuUsage();
  const children = childrenCpuMs();
  const machineBusyMs = os
    .cpus()
    .reduce((sum, c) => sum + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
  return {
    atMs: steadyNow(),
    loadAverage: os.loadavg()[0]!,
    machineBusyMs,
    ownCpuMs: (self.user + self.system) / 1000 + (children ?? 0),
    childrenCounted: children !== null,
  };
}

/** The machine's load from `start` until now (see the module comment). */
export function machineLoadSince(
  start: MachineReading,
  end: MachineReading = readMachine(),
): {
  loadAverage: number;
  cpuSeconds: number;
  otherBusyCores: number | null;
} {
  const wallMs = Math.max(1, end.atMs - start.atMs);
  const ownMs = Math.max(0, end.ownCpuMs - start.ownCpuMs);
  const otherMs = end.machineBusyMs - start.machineBusyMs - ownMs;
  const round = (v: number): number => Number(v.toFixed(3));
  return {
    loadAverage: start.loadAverage,
    cpuSeconds: round(ownMs / 1000),
    otherBusyCores:
      start.childrenCounted && end.childrenCounted ? round(Math.max(0, otherMs) / wallMs) : null,
  };
}
