import { validateResults } from '../core/split-queue.js';
import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { InputResult } from '../core/prediction.js';
import { decodeVector, encodeVector } from '../protocol/vector-encoding.js';
import { authenticateWorker, newJobToken, workerCredential, workerIdFrom } from './auth.js';
import {
  dispatcherService,
  fromWireResults,
  parseWorkerMessage,
  toWireResults,
  type WireWorkerMessage,
} from './wire.js';

const results: InputResult[] = [
  {
    key: 'a.jpg',
    top: [
      { class: 281, label: 'tabby', score: 0.8125 },
      { class: 3, score: 0.1 },
    ],
    error: null,
  },
  { key: 'b.jpg', top: null, error: 'not an image: b.jpg' },
  { key: 'e.jpg', top: null, error: "cannot load 'e.jpg': SlowDown", errorKind: 'passing' },
  { key: 'f.jpg', top: null, error: "cannot load 'f.jpg': no such key", errorKind: 'permanent' },
  { key: 'c.jpg', top: [], error: null },
  { key: 'd.jpg', top: null, error: null, vector: encodeVector(Float32Array.of(0.5, -1e-30, 3e38, 7)) },
];

describe('wire format', () => {
  const work = dispatcherService().service.Work;
  if (!work) throw new Error('no Work method');
  const roundTrip = (message: object): WireWorkerMessage =>
    work.requestDeserialize(work.requestSerialize(message)) as WireWorkerMessage;

  it('carries results through protobuf unchanged (labels optional, scores exact)', () => {
    const decoded = roundTrip({
      pull: {
        requestId: 7,
        maxSplits: 2,
        finished: [{ splitId: '3', attempt: 1, results: toWireResults(results) }],
      },
    });
    expect(parseWorkerMessage(decoded)).toEqual({
      type: 'pull',
      requestId: 7,
      maxSplits: 2,
      finished: [{ splitId: '3', attempt: 1, results }],
    });
  });

  it('reads max_splits 0 as 1 and refuses more than 256', () => {
    expect(parseWorkerMessage(roundTrip({ pull: { requestId: 1 } }))).toMatchObject({
      maxSplits: 1,
      finished: [],
    });
    expect(parseWorkerMessage(roundTrip({ pull: { requestId: 1, maxSplits: 257 } }))).toMatchObject({
      type: 'malformed',
    });
  });

  it('flags bytes that are not a message, and messages that are neither pull nor heartbeat', () => {
    const garbage = work.requestDeserialize(
      Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]),
    ) as WireWorkerMessage;
    expect(parseWorkerMessage(garbage)).toMatchObject({ type: 'malformed', problem: /undecodable/ });
    expect(parseWorkerMessage(roundTrip({}))).toMatchObject({
      type: 'malformed',
      problem: /neither a pull nor a heartbeat/,
    });
    expect(parseWorkerMessage(roundTrip({ heartbeat: {} }))).toEqual({ type: 'heartbeat' });
  });

  it('refuses a result with no predictions, vector or error, and a vector of partial floats', () => {
    expect(fromWireResults([{ key: 'x' }])).toEqual({
      problem: 'results[0] (key "x") has no predictions, vector or error',
    });
    expect(fromWireResults([{ key: 'y', outcome: 'vector', vector: Uint8Array.of(1, 2, 3) }])).toEqual({
      problem: 'results[0] (key "y"): a vector of 3 bytes is not float32 values',
    });
  });

  it('reads the kinds of an error a function sends and refuses any other, as HTTP results do', () => {
    const error = (errorKind?: number) => ({
      key: 'z',
      outcome: 'error' as const,
      error: 'SlowDown',
      ...(errorKind === undefined ? {} : { errorKind }),
    });
    expect(fromWireResults([error(), error(0)])).toEqual([
      { key: 'z', top: null, error: 'SlowDown' },
      { key: 'z', top: null, error: 'SlowDown' },
    ]);
    expect(fromWireResults([error(1), error(2)])).toEqual([
      { key: 'z', top: null, error: 'SlowDown', errorKind: 'passing' },
      { key: 'z', top: null, error: 'SlowDown', errorKind: 'permanent' },
    ]);
    expect(fromWireResults([error(3)])).toEqual({
      problem: `results[0] (key "z"): errorKind must be 'passing' or 'permanent', beside an error (ErrorKind 3)`,
    });
    // The same rule as an HTTP function's results meet.
    expect(
      validateResults(['z'], [{ key: 'z', top: null, error: 'boom', errorKind: 'maybe' as never }]),
    ).toEqual({
      ok: false,
      problem: `input "z": errorKind must be 'passing' or 'permanent', beside an error`,
    });
    // Over the real wire: an unknown enum value decodes as its number and is refused.
    const decoded = work.requestDeserialize(
      work.requestSerialize({ pull: { requestId: 1, finished: [{ splitId: 's', results: [error(7)] }] } }),
    ) as WireWorkerMessage;
    expect(parseWorkerMessage(decoded)).toMatchObject({
      type: 'malformed',
      problem: /\(ErrorKind 7\)/,
    });
  });

  it('sends a vector as its 4 bytes per value, not as text', () => {
    const values = Float32Array.from({ length: 1280 }, (_, i) => Math.sin(i) * 1e3);
    const vector = encodeVector(values);
    const one = (r: InputResult): number =>
      work.requestSerialize({
        pull: { requestId: 1, finished: [{ splitId: 's', results: toWireResults([r]) }] },
      }).length;
    const bytes = one({ key: 'k', top: null, error: null, vector });
    expect(bytes).toBeGreaterThanOrEqual(1280 * 4);
    expect(bytes).toBeLessThan(1280 * 4 + 32);
    const decoded = parseWorkerMessage(
      roundTrip({
        pull: {
          requestId: 1,
          finished: [
            { splitId: 's', results: toWireResults([{ key: 'k', top: null, error: null, vector }]) },
          ],
        },
      }),
    );
    const got = decoded.type === 'pull' ? decoded.finished[0]?.results[0]?.vector : undefined;
    expect(decodeVector(got ?? '')).toEqual(values);
  });
});

describe('job token', () => {
  const withAuth = (value?: string): Metadata => {
    const m = new Metadata();
    if (value !== undefined) m.set('authorization', value);
    return m;
  };

  it('makes distinct 256-bit tokens', () => {
    const a = newJobToken();
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(newJobToken()).not.toBe(a);
  });

  it('accepts a worker only with the credential of its own id, while it is live, never echoing it', () => {
    const token = newJobToken();
    const live = new Set(['w1', 'w2']);
    const as = (id: string, value?: string): Metadata => {
      const m = withAuth(value);
      m.set('x-obifaas-worker-id', id);
      return m;
    };
    const check = (m: Metadata) => authenticateWorker(m, token, (id) => live.has(id));
    const w1 = workerCredential(token, 'w1');
    expect(w1).not.toBe(workerCredential(token, 'w2'));
    expect(w1).not.toContain(token);
    expect(check(as('w1', `Bearer ${w1}`))).toEqual({ workerId: 'w1' });
    // The holder of w1's credential cannot take w2's id, nor can the job token itself.
    expect(check(as('w2', `Bearer ${w1}`))).toEqual({
      refused: 'unauthenticated',
      problem: 'wrong credential for worker w2',
    });
    expect(check(as('w1', `Bearer ${token}`))).toMatchObject({ refused: 'unauthenticated' });
    expect(check(as('w1'))).toMatchObject({
      refused: 'unauthenticated',
      problem: expect.stringMatching(/missing/),
    });
    expect(check(as('w1', w1))).toMatchObject({ problem: expect.stringMatching(/Bearer/) });
    expect(check(as('bad id', `Bearer ${w1}`))).toMatchObject({ refused: 'invalid-metadata' });
    live.delete('w1');
    expect(check(as('w1', `Bearer ${w1}`))).toMatchObject({
      problem: 'worker w1 has ended: its credential is no longer valid',
    });
  });

  it('requires one well-formed worker id', () => {
    const m = new Metadata();
    expect(workerIdFrom(m)).toHaveProperty('problem');
    m.set('x-obifaas-worker-id', 'job-1/w:7');
    expect(workerIdFrom(m)).toEqual({ workerId: 'job-1/w:7' });
    m.set('x-obifaas-worker-id', 'has space');
    expect(workerIdFrom(m)).toHaveProperty('problem');
  });
});
