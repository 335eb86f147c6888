/** What the benchmarks record about the machine and how they summarise their rounds. */
import fs from 'node:fs/promises';
import os from 'node:os';

/** The CPU's model name and feature flags (from `/proc/cpuinfo` on Linux; no flags elsewhere). */
export async function cpuInfo(): Promise<{ model: string; flags: string[] }> {
  const text = await fs.readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  return {
    model: /^model name\s*:(.*)$/m.exec(text)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown',
    flags: /^flags\s*:(.*)$/m.exec(text)?.[1]?.trim().split(/\s+/) ?? [],
  };
}

/** CPU time of this process so far (all threads, user and system), in ms. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** The middle value (the upper one of an even count). */
export function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
}

/** What every benchmark records about the machine it ran on. */
export interface MachineReport {
  cpus: number;
  cpuModel: string;
  /** The vector-instruction flags of the CPU (SSE4, AVX, AVX-512, VNNI, FMA, AMX, ...). */
  simdFlags: string[];
  node: string;
  /** 1, 5 and 15-minute load averages before the benchmark started and when it ended. */
  loadAverageBefore: number[];
  loadAverageAfter: number[];
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** The machine, for a benchmark that read `os.loadavg()` into `loadAverageBefore` when it started. */
export async function machineReport(loadAverageBefore: number[]): Promise<MachineReport> {
  const cpu = await cpuInfo();
  return {
    cpus: os.availableParallelism(),
    cpuModel: cpu.model,
    simdFlags: cpu.flags.filter((f) => /^(sse4|avx|fma|f16c|bmi|amx)/.test(f)),
    node: process.version,
    loadAverageBefore: loadAverageBefore.map(round2),
    loadAverageAfter: os.loadavg().map(round2),
  };
}
