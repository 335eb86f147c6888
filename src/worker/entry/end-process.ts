/** How a function process ends when a stuck inference thread holds it (`function-health.ts`). */

/**
 * Ends this process at once, by SIGKILL, after writing `line` to stderr. Node joins its threads
 * when a process exits, and a thread inside a run that never returns cannot be joined: with a
 * stuck thread, `process.exit()` would wait for ever.
 */
export function killProcessWithStuckThreads(line: string): never {
  process.stderr.write(`${line}\n`);
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: SIGKILL did not end the process');
}
