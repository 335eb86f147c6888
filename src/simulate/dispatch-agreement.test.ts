/**
 * The simulator and the real dispatcher take the same decisions for the same events: a simulated
 * dynamic job (stragglers, injected delays and failures, speculation) records every event its
 * dispatch core hears and every decision it takes; the same events are then played, on a hand
 * driven clock, through the gRPC dispatcher on loopback with real worker streams (pulls carrying
 * real results, streams closed as the workers close them) and the job manager's part
 * (invocation ends, ticks); its core must hear the same events and take the same decisions.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DispatchDecision, DispatchEvent } from '../core/dispatch-core.js';
import { DispatchCore } from '../core/dispatch-core.js';
import type { InputResult } from '../core/prediction.js';
import { DispatcherClient, type SplitAssignment } from '../rpc/dispatcher-client.js';
import { DispatcherServer } from '../rpc/dispatcher-server.js';
import { compileDispatch } from '../spec/compile-dispatch.js';
import { parseProfile } from './profile.js';
import type { SimJob } from './sim-job.js';
import { simulate } from './simulator.js';

/** 2 s per split of 4 inputs with a lot of variance, 1 s cold start. */
const profile = parseProfile({
  memoryMb: 1024,
  splitSize: 4,
  secondsPerSplit: 2,
  initSeconds: 1,
  concurrencyLimit: 100,
  serviceTimeCv: 0.6,
});

/** A decision without the keys and results it carries (the simulator's inputs are anonymous). */
function comparable(d: DispatchDecision): unknown {
  switch (d.type) {
    case 'invoke':
      return { ...d, workers: d.workers.map(({ split, ...w }) => ({ ...w, split: split?.splitId })) };
    case 'answer':
      return { ...d, splits: d.splits.map((s) => `${s.splitId}/${s.attempt}/${s.kind}`) };
    case 'splitDone': {
      const { splitId, winner, error, results } = d.split;
      return {
        type: d.type,
        workerId: d.workerId,
        splitId,
        winner,
        failed: error !== null,
        inputs: results.length,
      };
    }
    case 'workerLost':
      // How a closed stream is worded is the transport's: compare what was lost.
      return { ...d, event: { ...d.event, reason: d.event.kind === 'disconnected' ? '' : d.event.reason } };
    default:
      return d;
  }
}

/** Runs one simulated job; returns its core's settings, split sizes, events and decisions. */
function simulatedJob() {
  const events: DispatchEvent[] = [];
  const decisions: unknown[] = [];
  let job: SimJob | undefined;
  const { jobs } = simulate(
    [{ id: 'j', mode: 'dynamic', inputs: 160, workers: 6, splitSize: 4, arrivalMs: 0 }],
    {
      profile,
      seed: 7,
      faults: { failPercent: 40, delayPercent: 40, delayMaxMs: 9_000, seed: 5 },
      dispatch: {
        dynamic: compileDispatch(
          'dynamic',
          { maxSplitRetries: 1, speculation: { enabled: true, quantile: 0.5, multiplier: 1.5 } },
          [],
        ),
      },
      onJobStart: (started) => {
        job = started;
        started.core.onEvent((e) => events.push(e));
        started.core.onDecision((d) => decisions.push(comparable(d)));
      },
    },
  );
  if (!job) throw new Error('the job did not start');
  return { job, outcome: jobs[0], events, decisions };
}

let server: DispatcherServer | null = null;
const clients = new Map<string, DispatcherClient>();
afterEach(async () => {
  for (const c of clients.values()) c.close();
  clients.clear();
  await server?.close();
  server = null;
});

const until = async (done: () => boolean): Promise<void> => {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!done()) throw new Error('timed out waiting for the dispatcher');
};

describe('the simulator and the gRPC dispatcher', () => {
  it('take the same decisions (assignments, copies, retries, invocations) for the same events', async () => {
    const sim = simulatedJob();
    const counts = sim.job.core.counts();
    // The scenario exercises what must agree: stragglers copied, failures retried and replaced.
    expect(sim.outcome?.status).toBe('succeeded');
    expect(counts.copies).toBeGreaterThan(0);
    expect(counts.retries).toBeGreaterThan(1);
    expect(counts.failedInvocations).toBeGreaterThan(1);
    expect(sim.decisions.some((d) => (d as DispatchDecision).type === 'cancel')).toBe(true);

    // The same core settings, real keys of the same sizes.
    let n = 0;
    const splits = sim.job.sizes.map((size, i) => ({
      splitId: String(i),
      keys: Array.from({ length: size }, () => `img/${n++}.jpg`),
    }));
    const core = new DispatchCore(splits, sim.job.coreOptions);
    const events: DispatchEvent[] = [];
    const decisions: unknown[] = [];
    core.onEvent((e) => events.push(e));
    core.onDecision((d) => decisions.push(comparable(d)));
    let now = 0;
    const dispatcher = new DispatcherServer(core, { autoTick: false, clock: { now: () => now } });
    server = dispatcher;
    const { host, port } = await dispatcher.start();
    // Each worker connects with its invocation's own credential, as a job manager gives it.
    const address = (workerId: string) => ({ host, port, token: dispatcher.credentialFor(workerId) });
    const held = new Map<string, SplitAssignment>();
    const results = (split: SplitAssignment): InputResult[] =>
      split.keys.map((key) => ({ key, top: [{ class: 1, label: 'x', score: 0.5 }], error: null }));

    for (const event of sim.events) {
      now = event.at;
      switch (event.type) {
        case 'start':
          core.start(now);
          break;
        case 'heartbeat': {
          // A worker connects as its invocation starts (the server notes it as heard from).
          const client = await DispatcherClient.connect(address(event.workerId), {
            workerId: event.workerId,
            keepAliveIntervalMs: 600_000,
          });
          clients.set(event.workerId, client);
          break;
        }
        case 'pull': {
          const client = clients.get(event.workerId) as DispatcherClient;
          const finished = event.returned.map((splitId) => {
            const split = held.get(`${event.workerId}:${splitId}`) as SplitAssignment;
            return { splitId, results: results(split) };
          });
          for (const split of await client.pullMany(finished, event.maxSplits))
            held.set(`${event.workerId}:${split.splitId}`, split);
          break;
        }
        case 'streamClosed': {
          clients.get(event.workerId)?.close();
          clients.delete(event.workerId);
          await until(() => !server?.isConnected(event.workerId));
          break;
        }
        case 'invocationEnded':
          core.invocationEnded(
            event.workerId,
            event.ok
              ? { ok: true }
              : { ok: false, error: event.error ?? '', retryable: event.retryable ?? true },
            now,
          );
          break;
        case 'tick':
          server.tick(now);
          break;
        default:
          throw new Error(`unexpected event ${event.type}`);
      }
    }
    expect(events).toEqual(sim.events);
    expect(decisions).toEqual(sim.decisions);
    expect(core.counts()).toEqual(counts);
    expect(core.state.isFinished()).toBe(true);
  }, 60_000);
});
