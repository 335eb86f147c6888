/**
 * CPU time of this process's threads so far, in ms, summed by kind of thread, read from
 * `/proc/self/task/<tid>/stat`: `main` for the main thread, else the thread's name with its
 * trailing number dropped (`libvips worker`; on Node 20 libuv's pool and V8's helpers are all
 * named `node`). Empty where there is no `/proc` (not Linux).
 */
import fs from 'node:fs';

const ticksPerSecond = 100; // USER_HZ on Linux

export function threadCpuMs(): Record<string, number> {
  const byKind: Record<string, number> = {};
  let tids: string[];
  try {
    tids = fs.readdirSync('/proc/self/task');
  } catch {
    return byKind;
  }
  for (const tid of tids) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended
    }
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    const name =
      tid === String(process.pid) ? 'main' : stat.slice(open + 1, close).replace(/[\s\d]+$/, '') || 'unnamed';
    // Fields after the name: state is field 3; utime and stime are fields 14 and 15.
    const fields = stat.slice(close + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    byKind[name] = (byKind[name] ?? 0) + (ticks * 1000) / ticksPerSecond;
  }
  return byKind;
}
