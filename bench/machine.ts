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
