import { describe, expect, it } from 'vitest';
import { BackendError } from '../errors.js';
import type { Invocation } from './backend.js';
import { RemoteInvocations, type RemoteCall } from './remote-invocations.js';
import { steadyNow } from '../util/steady-clock.js';

const PING = { kind: 'ping' } as const;

function invocations(
  extra: { maxConcurrency?: number; refusePayload?: (bytes: number) => string | undefined } = {},
) {
  return new RemoteInvocations({ memoryMb: 512, maxConcurrency: 1, timeoutMs: 60_000, ...extra });
}

/** A sender that waits until its call's signal aborts, then fails with the call's stop reason. */
function untilStopped(calls: RemoteCall[]): (call: RemoteCall) => Promise<Invocation> {
  return (call) => {
    calls.push(call);
    return new Promise((resolve) => {
      call.signal.addEventListener('abort', () => resolve(call.fail(call.stopped())), { once: true });
    });
  };
}

function errorOf(inv: Invocation): BackendError {
  if (inv.ok) throw new Error('expected a failed invocation');
  if (!(inv.error instanceof BackendError)) throw new Error(`not a BackendError: ${inv.error.message}`);
  return inv.error;
}

describe('RemoteInvocations', () => {
  it('hands the sender the payload as JSON bytes with a fresh id, and returns its invocation', async () => {
    const calls: RemoteCall[] = [];
    const remote = invocations();
    const inv = await remote.run(PING, {}, async (call) => {
      calls.push(call);
      return call.fail(new BackendError('sent', true));
    });
    expect(JSON.parse(calls[0]!.body.toString('utf8'))).toEqual(PING);
    expect(errorOf(inv).message).toBe('sent');
    expect(inv.stats).toMatchObject({ invocationId: calls[0]!.invocationId, memoryMb: 512, durationMs: 0 });
  });

  it('refuses a payload the platform would not take, without sending it', async () => {
    let sent = 0;
    const remote = invocations({
      refusePayload: (bytes) => (bytes > 5 ? `${bytes} bytes is too many` : undefined),
    });
    const inv = await remote.run(PING, {}, async (call) => {
      sent++;
      return call.fail(new BackendError('sent', true));
    });
    expect(sent).toBe(0);
    expect(errorOf(inv)).toMatchObject({ message: '15 bytes is too many', retryable: false });
  });

  it('runs at most maxConcurrency calls at once; a cancelled waiter never sends', async () => {
    const calls: RemoteCall[] = [];
    const remote = invocations();
    const first = remote.run(PING, {}, untilStopped(calls));
    const caller = new AbortController();
    const second = remote.run(PING, { signal: caller.signal }, untilStopped(calls));
    await Promise.resolve();
    expect(calls).toHaveLength(1);
    caller.abort();
    expect(errorOf(await second)).toMatchObject({ message: 'invocation cancelled', retryable: false });
    expect(calls).toHaveLength(1);
    expect(remote.close()).toBe(true);
    expect(errorOf(await first)).toMatchObject({ message: 'backend closed', retryable: false });
  });

  it('frees the slot when a call ends, and stops a call at its timeout (retryable)', async () => {
    const calls: RemoteCall[] = [];
    const remote = invocations();
    const timedOut = await remote.run(PING, { timeoutMs: 1 }, untilStopped(calls));
    expect(errorOf(timedOut)).toMatchObject({ message: 'invocation timed out after 1 ms', retryable: true });
    const next = await remote.run(PING, { timeoutMs: 1 }, untilStopped(calls));
    expect(errorOf(next).retryable).toBe(true);
    expect(calls).toHaveLength(2);
  });

  it('bills a call stopped while its request was out the time it was out', async () => {
    const remote = invocations();
    let sentAt = 0;
    const inv = await remote.run(PING, { timeoutMs: 20 }, (call) => {
      sentAt = steadyNow();
      return new Promise((resolve) => {
        call.signal.addEventListener('abort', () => resolve(call.stoppedWhileOut(sentAt)), { once: true });
      });
    });
    expect(errorOf(inv)).toMatchObject({ message: 'invocation timed out after 20 ms', retryable: true });
    expect(inv.stats.startedAt).toBe(sentAt);
    expect(inv.stats.durationMs).toBeGreaterThan(0);
    expect(inv.stats.durationMs).toBeLessThanOrEqual(inv.stats.endedAt - sentAt);
    expect(inv.stats.durationMs).toBeGreaterThanOrEqual(inv.stats.endedAt - sentAt - 1);
    expect(inv.stats.billedMs).toBe(Math.ceil(inv.stats.durationMs));
  });

  it('refuses every invocation once closed, and closes once', async () => {
    const remote = invocations();
    expect(remote.close()).toBe(true);
    expect(remote.close()).toBe(false);
    let sent = 0;
    const inv = await remote.run(PING, {}, async (call) => {
      sent++;
      return call.fail(new BackendError('sent', true));
    });
    expect(sent).toBe(0);
    expect(errorOf(inv).message).toBe('backend closed');
  });
});
