/** The job folder's schemas describe the records the job manager writes, and accept them. */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type * as z from 'zod';
import type { InputResult } from '../core/prediction.js';
import type { SplitAttempt } from '../core/split-types.js';
import { inputResultSchema, workerTimingsSchema } from '../protocol/result-schema.js';
import { compileJobSpec } from '../spec/compile.js';
import { resolvedJobSpecSchema } from '../spec/resolved-schema.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import { checkSchema } from '../util/schema.js';
import type { JobSpecFile } from './job-spec-file.js';
import {
  invocationLineSchema,
  invocationRecordSchema,
  jobRunRecordSchema,
  jobSpecFileSchema,
  splitAttemptSchema,
  splitLogLineSchema,
} from './record-schemas.js';
import type { SplitLogLine } from './result-sink.js';
import type { InvocationRecord, JobRunRecord } from './types.js';

type Out<S extends z.ZodType> = z.output<S>;

const context = { cores: 4, now: new Date('2024-05-01T12:00:00Z'), cwd: '/work' };

describe('job folder schemas', () => {
  it('parse into the types the job manager writes', () => {
    expectTypeOf<Out<typeof resolvedJobSpecSchema>>().toEqualTypeOf<ResolvedJobSpec>();
    expectTypeOf<Out<typeof jobSpecFileSchema>>().toEqualTypeOf<JobSpecFile>();
    expectTypeOf<Out<typeof jobRunRecordSchema>>().toEqualTypeOf<JobRunRecord>();
    expectTypeOf<Out<typeof splitAttemptSchema>>().toEqualTypeOf<SplitAttempt>();
    expectTypeOf<Out<typeof splitLogLineSchema>>().toEqualTypeOf<SplitLogLine>();
    expectTypeOf<Out<typeof invocationRecordSchema>>().toEqualTypeOf<InvocationRecord>();
    expectTypeOf<Out<typeof inputResultSchema>>().toEqualTypeOf<InputResult>();
  });

  it.each([
    { mode: 'static' },
    { mode: 'dynamic', speculation: { enabled: true }, faults: { failPercent: 10 } },
    { backend: { type: 'lambda', region: 'eu-west-1', retry: { maxAttempts: 3 } } },
    { backend: { type: 'http', url: 'http://127.0.0.1:9000,http://127.0.0.1:9001' }, workers: 3 },
    { storage: { type: 's3', bucket: 'b', prefix: 'in/' }, pipeline: { predict: { intraOpThreads: 2 } } },
  ])('accept a compiled spec as JSON writes it: %j', (options) => {
    const spec = compileJobSpec({ inputs: 'm.txt', model: 'tiny', ...options }, context);
    const written: unknown = JSON.parse(JSON.stringify(spec));
    expect(checkSchema(resolvedJobSpecSchema, written)).toEqual({ ok: true, data: spec });
  });

  it('refuse a run whose times are not the ISO timestamps the job manager writes', () => {
    const run = {
      run: 0,
      startedAt: '2024-05-01T12:00:00.000Z',
      endedAt: null,
      splitsToRun: 3,
      splitsAlreadyDone: 0,
      workerIdPrefix: '',
    };
    expect(checkSchema(jobRunRecordSchema, run).ok).toBe(true);
    expect(
      checkSchema(jobRunRecordSchema, { ...run, startedAt: 'soon', lastSeenAt: '1714564800000' }),
    ).toEqual({
      ok: false,
      issues: [
        { path: 'startedAt', message: "expected an ISO date and time, got 'soon'" },
        { path: 'lastSeenAt', message: "expected an ISO date and time, got '1714564800000'" },
      ],
    });
  });

  it("take an invocation's reason when it has one (older records have none), and only the core's words", () => {
    const started = {
      event: 'started',
      run: 0,
      workerId: 'w3',
      splitIds: ['0'],
      submittedAt: 1,
      memoryMb: 1024,
    };
    expect(checkSchema(invocationLineSchema, started).ok).toBe(true);
    expect(checkSchema(invocationLineSchema, { ...started, reason: 'retry' }).ok).toBe(true);
    const refused = checkSchema(invocationLineSchema, { ...started, reason: 'because' });
    expect(refused.ok).toBe(false);
    expect(JSON.stringify(refused)).toMatch(/reason/);
  });

  it("take an invocation's model and labels digest checks, and only 'hashed' or 'kept'", () => {
    const timings = {
      cold: true,
      modelLoadMs: 10,
      stageBusyMs: { load: 1, preprocess: 2, predict: 3 },
      wallMs: 20,
      images: 4,
    };
    expect(checkSchema(workerTimingsSchema, timings).ok).toBe(true);
    const checked = { ...timings, modelDigest: 'hashed', labelsDigest: 'kept' };
    expect(checkSchema(workerTimingsSchema, checked)).toEqual({ ok: true, data: checked });
    const refused = checkSchema(workerTimingsSchema, { ...timings, labelsDigest: 'cached' });
    expect(refused.ok).toBe(false);
    expect(JSON.stringify(refused)).toMatch(/labelsDigest/);
  });

  it('refuse a split line whose counts do not add up', () => {
    const line = {
      splitId: '3',
      inputs: 4,
      ok: 4,
      errors: 1,
      workerId: 'w',
      attempt: 0,
      endedAt: 1,
      error: null,
    };
    expect(checkSchema(splitLogLineSchema, line)).toEqual({
      ok: false,
      issues: [{ path: '(top level)', message: 'ok + errors is more than the inputs of the split' }],
    });
    expect(checkSchema(splitLogLineSchema, { ...line, errors: 0 }).ok).toBe(true);
  });
});
