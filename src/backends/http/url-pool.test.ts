import { describe, expect, it } from 'vitest';
import { HTTP_DOWN_PENALTY_MS, UrlPool, type FunctionUrl } from './url-pool.js';

function pool(names: string[], perUrl = 1): { pool: UrlPool; clock: { now: number } } {
  const clock = { now: 1_000 };
  const entries = names.map((n) => ({ base: `http://${n}:1`, url: new URL(`http://${n}:1/invoke`) }));
  return { pool: new UrlPool(entries, perUrl, () => clock.now), clock };
}

const never = new AbortController().signal;
const none = new Set<FunctionUrl>();

describe('UrlPool', () => {
  it('spreads invocations over free URLs in turn, and waits when all are busy', async () => {
    const { pool: p } = pool(['a', 'b']);
    const first = await p.acquire(none, never);
    const second = await p.acquire(none, never);
    expect([first?.name, second?.name]).toEqual(['http://a:1', 'http://b:1']);
    let third: FunctionUrl | null | undefined;
    void p.acquire(none, never).then((u) => (third = u));
    await Promise.resolve();
    expect(third).toBeUndefined();
    p.release(second as FunctionUrl);
    await Promise.resolve();
    expect(third?.name).toBe('http://b:1');
  });

  it('takes a refusing URL out of the rotation, never sends an invocation back to it, and tries it again later', async () => {
    const { pool: p, clock } = pool(['a', 'dead', 'c']);
    const dead = p.urls[1] as FunctionUrl;
    p.markDown(dead);
    const got = [await p.acquire(none, never), await p.acquire(none, never)].map((u) => u?.name);
    expect(got).toEqual(['http://a:1', 'http://c:1']);
    // Both healthy URLs are busy: a third invocation waits rather than use the dead one.
    let waiting: FunctionUrl | null | undefined;
    void p.acquire(new Set([dead]), never).then((u) => (waiting = u));
    await Promise.resolve();
    expect(waiting).toBeUndefined();
    expect(p.down()).toEqual([dead]);
    clock.now += HTTP_DOWN_PENALTY_MS;
    // Once its time is over the dead URL may be tried by an invocation it did not refuse.
    expect((await p.acquire(none, never))?.name).toBe('http://dead:1');
    p.markDown(dead);
    expect(dead.downUntil - clock.now).toBe(2 * HTTP_DOWN_PENALTY_MS);
    p.markUp(dead);
    expect(p.down()).toEqual([]);
  });

  it('says no URL is left when every one the invocation may use refused', async () => {
    const { pool: p } = pool(['a', 'b']);
    const [a, b] = p.urls as [FunctionUrl, FunctionUrl];
    p.markDown(a);
    expect((await p.acquire(new Set([a]), never))?.name).toBe('http://b:1');
    p.release(b);
    p.markDown(b);
    expect(await p.acquire(new Set([a]), never)).toBeNull();
    expect(await p.acquire(none, never)).toBeNull();
  });

  it('tells a waiting invocation when the last URL it could use goes down', async () => {
    const { pool: p } = pool(['a']);
    const a = (await p.acquire(none, never)) as FunctionUrl;
    const waiting = p.acquire(none, never);
    p.release(a);
    expect(await waiting).toBe(a);
    const next = p.acquire(new Set(), never);
    p.markDown(a);
    p.release(a);
    expect(await next).toBeNull();
  });

  it('gives up waiting when the invocation is cancelled', async () => {
    const { pool: p } = pool(['a']);
    await p.acquire(none, never);
    const controller = new AbortController();
    const waiting = p.acquire(none, controller.signal);
    controller.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
  });

  it('names URLs without their credentials', () => {
    const p = new UrlPool([{ base: 'http://u:secret@h:1', url: new URL('http://u:secret@h:1/invoke') }], 1);
    expect(p.urls[0]?.name).toBe('http://u:***@h:1');
  });

  it('takes a function that cannot serve out of the rotation while another URL is left, never the last one', async () => {
    const { pool: p } = pool(['stuck', 'b']);
    const [stuck, b] = p.urls as [FunctionUrl, FunctionUrl];
    expect(p.markDownUnlessLast(stuck, none)).toBe(true);
    expect(p.down()).toEqual([stuck]);
    expect((await p.acquire(none, never))?.name).toBe('http://b:1');
    // b is the last URL in the rotation: it stays, to be retried after a backoff.
    expect(p.markDownUnlessLast(b, none)).toBe(false);
    expect(p.down()).toEqual([stuck]);
  });
});
