/**
 * The function URLs of the http backend and their slots. An invocation takes a free slot on
 * the least busy URL in rotation (ties in turn) and waits when every such URL is busy; it never
 * goes to a busy URL nor to one that refused it. A URL that refuses connections leaves the
 * rotation for a while (5 s, doubling while it keeps refusing, up to a minute); once that while
 * is over, one invocation tries it again, and an answer of any kind puts it back. When every
 * URL an invocation may still use is out of rotation, no URL is left for it.
 */
import { redactUrlCredentials } from '../../util/redact.js';
import { steadyNow } from '../../util/steady-clock.js';

/** How long a URL that refused a connection first stays out of the rotation. */
export const HTTP_DOWN_PENALTY_MS = 5_000;
/** The longest it stays out (the penalty doubles while it keeps refusing). */
export const HTTP_MAX_DOWN_PENALTY_MS = 60_000;

/** One function URL. */
export interface FunctionUrl {
  /** The URL as given (it may hold credentials: never in messages). */
  readonly base: string;
  /** The URL for messages, its credentials masked. */
  readonly name: string;
  readonly url: URL;
  inFlight: number;
  lastUsed: number;
  /** Out of the rotation until then (epoch ms); 0 when in it. */
  downUntil: number;
  penaltyMs: number;
}

interface Waiter {
  skip: ReadonlySet<FunctionUrl>;
  resolve: (url: FunctionUrl | null) => void;
}

/** The function URLs, their slots and their time out of the rotation (see the module comment). */
export class UrlPool {
  readonly urls: readonly FunctionUrl[];
  private readonly waiters = new Set<Waiter>();
  private uses = 0;

  constructor(
    entries: readonly { base: string; url: URL }[],
    private readonly perUrl: number,
    private readonly now: () => number = steadyNow,
  ) {
    this.urls = entries.map(({ base, url }) => ({
      base,
      name: redactUrlCredentials(base),
      url,
      inFlight: 0,
      lastUsed: 0,
      downUntil: 0,
      penaltyMs: HTTP_DOWN_PENALTY_MS,
    }));
  }

  /**
   * A slot on a URL in rotation that is not in `skip` (the URLs that refused this invocation),
   * waiting while all of them are busy; null when none is left. Release the slot with
   * {@link release}.
   */
  acquire(skip: ReadonlySet<FunctionUrl>, signal: AbortSignal): Promise<FunctionUrl | null> {
    const found = this.pick(skip);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        skip,
        resolve: (url) => {
          signal.removeEventListener('abort', onAbort);
          resolve(url);
        },
      };
      const onAbort = (): void => {
        this.waiters.delete(waiter);
        reject(signal.reason as Error);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  release(url: FunctionUrl): void {
    url.inFlight--;
    this.wake();
  }

  /** `url` refused a connection: out of the rotation for a while. */
  markDown(url: FunctionUrl): void {
    const now = this.now();
    if (url.downUntil > now) return;
    url.downUntil = now + url.penaltyMs;
    url.penaltyMs = Math.min(url.penaltyMs * 2, HTTP_MAX_DOWN_PENALTY_MS);
    this.wake();
  }

  /**
   * `url` answered that it cannot serve: out of the rotation as {@link markDown} puts it, when
   * another URL not in `skip` is in it. False (and `url` stays) when it is the last one.
   */
  markDownUnlessLast(url: FunctionUrl, skip: ReadonlySet<FunctionUrl>): boolean {
    const now = this.now();
    if (!this.urls.some((u) => u !== url && !skip.has(u) && u.downUntil <= now)) return false;
    this.markDown(url);
    return true;
  }

  /** `url` answered: back in the rotation. */
  markUp(url: FunctionUrl): void {
    url.downUntil = 0;
    url.penaltyMs = HTTP_DOWN_PENALTY_MS;
  }

  /** The URLs out of the rotation now. */
  down(): FunctionUrl[] {
    const now = this.now();
    return this.urls.filter((u) => u.downUntil > now);
  }

  /**
   * A URL with a free slot (taken), undefined to wait for one, null when no URL is left:
   * URLs in rotation first, then those whose time out of it is over (a retry of a URL that
   * refused before).
   */
  private pick(skip: ReadonlySet<FunctionUrl>): FunctionUrl | null | undefined {
    const now = this.now();
    const usable = this.urls.filter((u) => !skip.has(u) && u.downUntil <= now);
    if (usable.length === 0) return null;
    const free = usable.filter((u) => u.inFlight < this.perUrl);
    const inRotation = free.filter((u) => u.downUntil === 0);
    const pool = inRotation.length > 0 ? inRotation : free;
    if (pool.length === 0) return undefined;
    let best = pool[0] as FunctionUrl;
    for (const u of pool)
      if (u.inFlight < best.inFlight || (u.inFlight === best.inFlight && u.lastUsed < best.lastUsed))
        best = u;
    best.lastUsed = ++this.uses;
    best.inFlight++;
    return best;
  }

  /** Gives waiters the slots now free (or tells them that no URL is left). */
  private wake(): void {
    for (const waiter of [...this.waiters]) {
      const found = this.pick(waiter.skip);
      if (found === undefined) continue;
      this.waiters.delete(waiter);
      waiter.resolve(found);
    }
  }
}
