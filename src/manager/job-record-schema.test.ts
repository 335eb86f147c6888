/**
 * `job.json`'s schema: it parses into `JobRecord`, accepts the records real jobs write (on the
 * scripted in-memory backend, `test/support/`: completed, failed, cancelled, dynamic with
 * faults), and refuses a damaged one with exit 2, naming the file and the field.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type * as z from 'zod';
import { ScriptedBackend } from '../../test/support/scripted-backend.js';
import { exitCodeFor } from '../cli/exit-codes.js';
import { BackendError, SpecError, UserError } from '../errors.js';
import { compileJobSpec } from '../spec/compile.js';
import { checkSchema } from '../util/schema.js';
import { jobRecordSchema } from './job-record-schema.js';
import { JOB_RECORD_FILE, readJobRecord } from './output.js';
import { runJob } from './run-job.js';
import type { JobRecord } from './types.js';
import { UNREAD_MODEL_BYTES } from '../../test/support/unread-model.js';

let dir: string;
const keys = Array.from({ length: 10 }, (_, i) => (i === 7 ? `bad${i}.jpg` : `img${i}.jpg`));
/** The `job.json` text of a completed static job of 10 inputs, one of them an error. */
let completedText: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-job-record-'));
  await writeFile(path.join(dir, 'manifest.txt'), keys.join('\n'));
  await writeFile(path.join(dir, 'model.onnx'), UNREAD_MODEL_BYTES);
  completedText = await readFile(
    path.join((await job('completed', {}, async () => 'ok')).outDir, JOB_RECORD_FILE),
    'utf8',
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs a job on the scripted backend in `<dir>/<name>`. */
async function job(
  name: string,
  extra: Record<string, unknown>,
  script: ConstructorParameters<typeof ScriptedBackend>[0],
  signal?: AbortSignal,
): Promise<{ outDir: string; record: JobRecord }> {
  const spec = compileJobSpec(
    {
      inputs: path.join(dir, 'manifest.txt'),
      model: path.join(dir, 'model.onnx'),
      workers: 3,
      out: path.join(dir, name),
      ...extra,
    },
    { cores: 2, now: new Date(), cwd: dir },
  );
  const { outDir, record } = await runJob(spec, {
    backend: new ScriptedBackend(script),
    ...(signal ? { signal } : {}),
  });
  return { outDir, record };
}

/** Parses `text` as the file wrote it and checks it with the schema. */
function check(text: string): ReturnType<typeof checkSchema<typeof jobRecordSchema>> {
  return checkSchema(jobRecordSchema, JSON.parse(text));
}

describe("job.json's schema", () => {
  it('parses into the JobRecord the job manager writes', () => {
    // Each way round (an exact comparison of so deep a type trips over the spec's unions).
    expectTypeOf<z.output<typeof jobRecordSchema>>().toExtend<JobRecord>();
    expectTypeOf<JobRecord>().toExtend<z.output<typeof jobRecordSchema>>();
    // ...and the same keys, optional ones included, at the top and in the summary.
    type Parsed = z.output<typeof jobRecordSchema>;
    expectTypeOf<keyof Parsed>().toEqualTypeOf<keyof JobRecord>();
    expectTypeOf<keyof Parsed['summary']>().toEqualTypeOf<keyof JobRecord['summary']>();
  });

  it('accepts the record of a completed job, read back as written', async () => {
    const checked = check(completedText);
    expect(checked.ok ? [] : checked.issues).toEqual([]);
    expect(await readJobRecord(path.join(dir, 'completed'))).toEqual(JSON.parse(completedText));
  });

  it('accepts the records of failed and cancelled jobs, whose latency is null', async () => {
    const failed = await job('failed', {}, async (p) =>
      p.splits[0]!.splitId === '2' ? new BackendError('ModelError: not an ONNX model', false) : 'ok',
    );
    const controller = new AbortController();
    const cancelled = await job(
      'cancelled',
      {},
      async (_p, _call, signal) => {
        setTimeout(() => controller.abort(), 10);
        await new Promise<void>((resolve) =>
          signal?.addEventListener('abort', () => resolve(), { once: true }),
        );
        return new BackendError('invocation cancelled', false);
      },
      controller.signal,
    );
    expect(failed.record.summary.status).toBe('failed');
    expect(cancelled.record.summary).toMatchObject({ status: 'cancelled', latencySeconds: null });
    for (const { outDir } of [failed, cancelled]) {
      const checked = check(await readFile(path.join(outDir, JOB_RECORD_FILE), 'utf8'));
      expect(checked.ok ? [] : checked.issues).toEqual([]);
    }
  });

  it('accepts the record of a job with retries and injected faults', async () => {
    const retried = await job(
      'faults',
      { faults: { failPercent: 50, seed: 7 }, maxRetries: 3 },
      async (_p, call) => (call === 0 ? new BackendError('worker crashed', true) : 'ok'),
    );
    expect(retried.record.faults?.workers.length).toBeGreaterThan(0);
    const checked = check(await readFile(path.join(retried.outDir, JOB_RECORD_FILE), 'utf8'));
    expect(checked.ok ? [] : checked.issues).toEqual([]);
  });
});

/** A JSON record as a test damages it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Editable = Record<string, any>;

/** A damage to the completed job's record, and the field its refusal names. */
interface Damage {
  name: string;
  damage: (record: Editable) => void;
  field: string;
}

const damages: Damage[] = [
  { name: 'no summary', damage: (r) => delete r.summary, field: 'summary: missing: expected an object' },
  { name: 'a summary that is a list', damage: (r) => (r.summary = []), field: 'summary: expected an object' },
  {
    name: 'a negative count',
    damage: (r) => (r.summary.inputs = -1),
    field: 'summary.inputs: expected an integer >= 0',
  },
  {
    name: 'a fractional count',
    damage: (r) => (r.summary.ok = 2.5),
    field: 'summary.ok: expected an integer >= 0',
  },
  {
    name: 'a count as text',
    damage: (r) => (r.summary.errors = '1'),
    field: 'summary.errors: expected an integer >= 0',
  },
  {
    name: 'more results than inputs',
    damage: (r) => (r.summary.ok = 20),
    field: 'summary.ok: ok + errors is more',
  },
  {
    name: 'a latency as text',
    damage: (r) => (r.summary.latencySeconds = 'fast'),
    field: 'summary.latencySeconds: expected a number >= 0',
  },
  {
    name: 'a cost of -1',
    damage: (r) => (r.summary.costUsd = -1),
    field: 'summary.costUsd: expected a number >= 0',
  },
  {
    name: 'a time that is not ISO',
    damage: (r) => (r.endedAt = 'yesterday'),
    field: 'endedAt: expected an ISO date and time',
  },
  {
    name: "a run's start that is not ISO",
    damage: (r) => (r.runs[0].startedAt = 'yesterday'),
    field: 'runs[0].startedAt: expected an ISO date and time',
  },
  {
    name: "a run's end as a date without a time",
    damage: (r) => (r.runs[0].endedAt = '2024-05-01'),
    field: 'runs[0].endedAt: expected an ISO date and time',
  },
  { name: 'another version', damage: (r) => (r.version = 2), field: 'version: expected 1, got 2' },
  {
    name: 'an unknown status',
    damage: (r) => (r.status = 'done'),
    field: "status: expected one of 'completed'",
  },
  {
    name: 'invocations that are not a list',
    damage: (r) => (r.invocations = {}),
    field: 'invocations: expected a list',
  },
  {
    name: "an invocation's end as text",
    damage: (r) => (r.invocations[1].endedAt = 'soon'),
    field: 'invocations[1].endedAt: expected a number >= 0',
  },
  {
    name: "a split attempt's worker as a number",
    damage: (r) => (r.splits[0].attempts[0].workerId = 3),
    field: 'splits[0].attempts[0].workerId: expected a string, got 3',
  },
  {
    name: 'a misspelt key',
    damage: (r) => (r.summary.costUSD = 1),
    field: "summary.costUSD: unknown key; did you mean 'costUsd'?",
  },
  {
    name: 'a prototype key',
    damage: (r) =>
      (r.summary = JSON.parse(`{"__proto__": {"polluted": 1}, ${JSON.stringify(r.summary).slice(1)}`)),
    field: "summary.__proto__: the key '__proto__' is refused at any level",
  },
  {
    name: 'a constructor key in the spec',
    damage: (r) => (r.spec.constructor = { prototype: {} }),
    field: "spec.constructor: the key 'constructor' is refused at any level",
  },
];

describe('a damaged job.json', () => {
  it.each(damages)(
    'is refused with exit 2, naming the file and the field: $name',
    async ({ name, damage, field }) => {
      const folder = path.join(dir, `damaged-${name.replace(/\W+/g, '-')}`);
      const record = JSON.parse(completedText) as Record<string, unknown>;
      damage(record);
      await rm(folder, { recursive: true, force: true });
      await mkdir(folder);
      const file = path.join(folder, JOB_RECORD_FILE);
      await writeFile(file, JSON.stringify(record));
      const err = await readJobRecord(folder).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SpecError);
      expect(exitCodeFor(err)).toBe(2);
      expect((err as Error).message).toContain(`invalid job record ${file}: ${field}`);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it('that is not JSON, or is missing, is refused with exit 2 naming the file', async () => {
    const folder = path.join(dir, 'not-json');
    await mkdir(folder);
    const file = path.join(folder, JOB_RECORD_FILE);
    await writeFile(file, completedText.slice(0, 100));
    for (const expected of [
      `${file}: not valid JSON`,
      `cannot read '${path.join(dir, 'none', JOB_RECORD_FILE)}'`,
    ]) {
      const at = expected.startsWith('cannot') ? path.join(dir, 'none') : folder;
      const err = await readJobRecord(at).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(UserError);
      expect(exitCodeFor(err)).toBe(2);
      expect((err as Error).message).toContain(expected);
    }
  });
});
