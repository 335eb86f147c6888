/**
 * Waits on what an HTTP function (`serve-function`) says of itself: its `/healthz` counts the
 * invocations it runs. Each wait polls with a bound and fails loudly at it, so that a slow
 * machine waits longer instead of checking less, and a function that never gets there fails the
 * test instead of hanging it.
 */
import { setTimeout as sleep } from 'node:timers/promises';

const POLL_MS = 50;
/** Polls before a wait gives up: a minute at most. */
const MAX_POLLS = 1_200;

/** Resolves once the function at `url` runs `busy` invocations; throws after a minute without. */
export async function untilFunctionBusy(url: string, busy: number, what: string): Promise<void> {
  let now = -1;
  for (let polls = 0; polls < MAX_POLLS; polls++) {
    now = ((await (await fetch(`${url}/healthz`)).json()) as { busy: number }).busy;
    if (now === busy) return;
    await sleep(POLL_MS);
  }
  throw new Error(`${what}: the function at ${url} ran ${now} invocations, not ${busy}, for a minute`);
}

/** Resolves once `server` has written a line matching `pattern` on stderr; throws after a minute without. */
export async function untilStderr(
  server: { stderr(): string },
  pattern: RegExp,
  what: string,
): Promise<void> {
  for (let polls = 0; polls < MAX_POLLS; polls++) {
    if (pattern.test(server.stderr())) return;
    await sleep(POLL_MS);
  }
  throw new Error(`${what}: the function wrote no line matching ${String(pattern)} in a minute`);
}
