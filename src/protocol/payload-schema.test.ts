/** The payload and result schemas describe the protocol's types, and refuse what they should. */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type * as z from 'zod';
import type { WorkerFaults } from '../core/faults.js';
import type { InputResult } from '../core/prediction.js';
import type { StorageRef } from '../core/storage-ref.js';
import { checkSchema } from '../util/schema.js';
import type {
  DispatcherRef,
  ModelRef,
  PipelineConfig,
  StaticSplit,
  WorkerPayload,
  WorkerTimings,
} from './invocation.js';
import {
  dispatcherRefSchema,
  modelRefSchema,
  pipelineConfigSchema,
  splitSchema,
  storageRefSchema,
  workerFaultsSchema,
  workerPayloadSchema,
  type ParsedPayload,
} from './payload-schema.js';
import { inputResultSchema, workerTimingsSchema } from './result-schema.js';

type Out<S extends z.ZodType> = z.output<S>;
type Without<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

describe('payload schema', () => {
  it('parses into the protocol types', () => {
    expectTypeOf<Out<typeof pipelineConfigSchema>>().toEqualTypeOf<PipelineConfig>();
    expectTypeOf<Out<typeof storageRefSchema>>().toEqualTypeOf<StorageRef>();
    expectTypeOf<Out<typeof modelRefSchema>>().toEqualTypeOf<ModelRef>();
    expectTypeOf<Out<typeof splitSchema>>().toEqualTypeOf<StaticSplit>();
    expectTypeOf<Out<typeof workerFaultsSchema>>().toEqualTypeOf<WorkerFaults>();
    expectTypeOf<Out<typeof dispatcherRefSchema>>().toEqualTypeOf<DispatcherRef>();
    expectTypeOf<Without<ParsedPayload, 'pipeline'>>().toEqualTypeOf<Without<WorkerPayload, 'pipeline'>>();
    expectTypeOf<Out<typeof inputResultSchema>>().toEqualTypeOf<InputResult>();
    expectTypeOf<Out<typeof workerTimingsSchema>>().toEqualTypeOf<WorkerTimings>();
  });

  it('accepts a dynamic payload and refuses a dispatcher out of range', () => {
    const payload = {
      kind: 'dynamic',
      jobId: 'j',
      workerId: 'w',
      model: { uri: 'tiny' },
      storage: { type: 's3', bucket: 'b', prefix: 'in/' },
      dispatcher: { host: '127.0.0.1', port: 5000, token: 't', keepAliveIntervalMs: 2000 },
    };
    expect(checkSchema(workerPayloadSchema, payload)).toEqual({ ok: true, data: payload });
    const bad = { ...payload, dispatcher: { host: '', port: 70_000, keepAliveIntervalMs: 1 } };
    expect(checkSchema(workerPayloadSchema, bad)).toEqual({
      ok: false,
      issues: [
        { path: 'dispatcher.host', message: "expected a non-empty string, got ''" },
        { path: 'dispatcher.port', message: 'expected an integer from 1 to 65535, got 70000' },
        { path: 'dispatcher.token', message: 'missing: expected a string' },
        { path: 'dispatcher.keepAliveIntervalMs', message: 'expected a number from 10 to 2147483647, got 1' },
      ],
    });
  });

  it("takes the read-error fault and a static split's attempt, within their ranges", () => {
    const payload = {
      kind: 'static',
      jobId: 'j',
      workerId: 'w',
      model: { uri: 'tiny' },
      storage: { type: 'fs', root: '/data' },
      splits: [{ splitId: '0', keys: ['a.jpg'], attempt: 2 }],
      faults: { readErrors: { percent: 12.5, seed: 7 } },
    };
    expect(checkSchema(workerPayloadSchema, payload)).toEqual({ ok: true, data: payload });
    const issues = (value: unknown): string[] => {
      const checked = checkSchema(workerPayloadSchema, value);
      return checked.ok ? [] : checked.issues.map((i) => `${i.path}: ${i.message}`);
    };
    expect(issues({ ...payload, splits: [{ splitId: '0', keys: ['a.jpg'], attempt: -1 }] })).toEqual([
      expect.stringMatching(/^splits\[0\]\.attempt: expected an integer from 0/),
    ]);
    expect(issues({ ...payload, faults: { readErrors: { percent: 101, seed: 7 } } })).toEqual([
      expect.stringMatching(/^faults\.readErrors\.percent: expected a number from 0 to 100, got 101/),
    ]);
    // The fault says how often reads fail, never what to read.
    expect(issues({ ...payload, faults: { readErrors: { percent: 5, seed: 7, key: 'other.jpg' } } })).toEqual(
      [expect.stringMatching(/^faults\.readErrors\.key: /)],
    );
  });
});

describe('result schema', () => {
  it('takes a prediction or an error, never both, with integer classes', () => {
    const ok = { key: 'a.jpg', top: [{ class: 3, label: 'cat', score: 0.9 }], error: null };
    expect(checkSchema(inputResultSchema, ok)).toEqual({ ok: true, data: ok });
    expect(checkSchema(inputResultSchema, { key: 'b', top: null, error: 'no such key' }).ok).toBe(true);
    const issues = (value: unknown): string[] => {
      const checked = checkSchema(inputResultSchema, value);
      return checked.ok ? [] : checked.issues.map((i) => `${i.path}: ${i.message}`);
    };
    const exactlyOne =
      '(top level): needs exactly one of top, vector, embedding or error (top and error null otherwise)';
    expect(issues({ key: 'c', top: null, error: null })).toEqual([exactlyOne]);
    expect(issues({ key: 'c', top: [], error: 'x' })).toEqual([exactlyOne]);
    expect(issues({ key: 'd', top: [{ class: -1, score: null }], error: null, extra: 1 })).toEqual([
      'top[0].class: expected an integer >= 0, got -1',
      'top[0].score: expected a number, got null',
      'extra: unknown key; expected one of: key, top, error, errorKind, vector, embedding',
    ]);
  });

  it("takes an error's kind beside an error only, and lines without one", () => {
    const ok = (value: unknown): boolean => checkSchema(inputResultSchema, value).ok;
    expect(ok({ key: 'a', top: null, error: 'SlowDown', errorKind: 'passing' })).toBe(true);
    expect(ok({ key: 'a', top: null, error: 'no such key', errorKind: 'permanent' })).toBe(true);
    expect(ok({ key: 'a', top: null, error: 'no such key' })).toBe(true);
    expect(ok({ key: 'a', top: null, error: 'x', errorKind: 'maybe' })).toBe(false);
    expect(ok({ key: 'a', top: [{ class: 1, score: 1 }], error: null, errorKind: 'passing' })).toBe(false);
  });

  it('takes a vector (a function) or an embedding reference (results.jsonl) for embed inputs', () => {
    const issues = (value: unknown): string[] => {
      const checked = checkSchema(inputResultSchema, value);
      return checked.ok ? [] : checked.issues.map((i) => `${i.path}: ${i.message}`);
    };
    expect(issues({ key: 'v', top: null, error: null, vector: 'AACAPw==' })).toEqual([]);
    expect(issues({ key: 'v', top: null, error: null, embedding: { dims: 1280, row: 0 } })).toEqual([]);
    expect(issues({ key: 'v', top: null, error: null, vector: 'AAA=' })).toEqual([
      "vector: expected base64 of little-endian float32 values (a non-empty multiple of 4 bytes), got 'AAA='",
    ]);
    expect(issues({ key: 'v', top: null, error: 'x', vector: 'AACAPw==' })).toHaveLength(1);
    expect(issues({ key: 'v', top: null, error: null, embedding: { dims: 0, row: -1 } })).toHaveLength(2);
  });
});
