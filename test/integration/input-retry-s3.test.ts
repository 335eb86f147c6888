/**
 * Inputs whose read fails for a passing reason are tried again within the job: the real CLI
 * and its local functions read a dataset from s3rver through a proxy that answers 503 SlowDown
 * to every GET of chosen keys until told otherwise (more than the S3 client's own retries), so
 * that the function reports a passing error and the job's retry round reads them again. A key
 * that does not exist is final at once; a job manager killed while a retry runs and
 * resumed still gives every input exactly one line.
 */
import type { ChildProcess } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InputResult } from '../../src/core/prediction.js';
import type { InvocationRecord, JobRecord } from '../../src/manager/types.js';
import { openS3Store } from '../../src/storage/s3/s3-store.js';
import {
  expectEveryInputOnce,
  readJsonl,
  readRecord,
  readResults,
  readSplitLog,
} from '../support/job-output.js';
import { obifaasKilledAtRequest } from '../support/killed-at-request.js';
import { obifaas } from '../support/obifaas-cli.js';
import {
  dataset,
  dir,
  env,
  keysUnder,
  linesOf,
  objectText,
  proxy,
  runArgs,
  server,
  startS3Output,
  stopS3Output,
} from '../support/s3-output.js';

const MISSING = 'images/missing.jpg';
/** Answers of the S3 client's own retries (its `maxAttempts`) that one read of a throttled key uses up. */
const CLIENT_ATTEMPTS = 5;
let manifest: string;
/** The job's keys: the dataset's, then one that is not there. */
let keys: string[];

beforeAll(async () => {
  await startS3Output();
  const data = await openS3Store({ type: 's3', bucket: 'data', endpoint: server.endpoint });
  try {
    const listed = (await data.get('sets/small/manifest.txt')).toString('utf8');
    await data.put('sets/small/with-missing.txt', `${listed.trimEnd()}\n${MISSING}\n`);
    keys = [...listed.split('\n').filter((l) => l !== '' && !l.startsWith('#')), MISSING].map(
      (k) => `sets/small/${k}`,
    );
  } finally {
    await data.close();
  }
  manifest = 's3://data/sets/small/with-missing.txt';
}, 120_000);
afterAll(stopS3Output);

/** GETs of `key` in the proxy's log (from `from` on). */
const getsOf = (key: string, from = 0): number =>
  proxy.log.slice(from).filter((line) => line.startsWith(`GET /data/${key}`)).length;

/** Answers SlowDown to the GETs of `throttled` while `throttling()` holds. */
function throttle(throttled: readonly string[], throttling: (key: string) => boolean): void {
  proxy.intercept(({ method, url }) => {
    if (method !== 'GET') return undefined;
    const key = throttled.find((k) => url.startsWith(`/data/${k}`));
    if (key === undefined || !throttling(key)) return undefined;
    return { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' };
  });
}

/** The invocations of a job that ended (`invocations.jsonl` logs each one's start, then its end). */
async function endedInvocations(out: string): Promise<InvocationRecord[]> {
  const lines = await readJsonl<InvocationRecord & { event: string }>(path.join(out, 'invocations.jsonl'));
  return lines.filter((line) => line.event === 'ended');
}

const jobArgs = (out: string): string[] => [
  ...runArgs(out, [], 3).map((a) => (a === dataset.manifestPath ? manifest : a)),
];

describe('inputs tried again after a passing read error', () => {
  it('predicts every throttled input in a retry invocation; the missing key is not read again; counts and cost include it', async () => {
    const out = path.join(dir, 'retried');
    const throttled = [keys[0] as string, keys[1] as string];
    const from = proxy.log.length;
    throttle(throttled, (key) => getsOf(key, from) <= CLIENT_ATTEMPTS);
    const run = await obifaas(jobArgs(out), { cwd: dir, env });
    proxy.intercept(undefined);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'completed' });

    const lines = await readResults(out);
    expectEveryInputOnce(lines, keys);
    const byKey = new Map(lines.map((l) => [l.key, l]));
    for (const key of keys.slice(0, -1)) expect(byKey.get(key)?.error, key).toBeNull();
    const missing = byKey.get(`sets/small/${MISSING}`) as InputResult;
    expect(missing).toMatchObject({ top: null, errorKind: 'permanent' });
    expect(missing.error).toMatch(/^cannot load .*no object/);
    expect(missing.error).not.toContain('tried');
    // The throttled keys: one read of the S3 client's attempts failed, then the retry's read.
    for (const key of throttled) expect(getsOf(key, from), key).toBe(CLIENT_ATTEMPTS + 1);
    expect(getsOf(`sets/small/${MISSING}`, from)).toBe(1);

    const invocations = await endedInvocations(out);
    const retries = invocations.filter((i) => i.reason === 'retry');
    expect(retries).toMatchObject([{ ok: true, splitIds: ['0'], attempt: 1 }]);
    expect(retries[0]?.timings?.images).toBe(2); // only the throttled inputs ran again
    const { summary } = await readRecord(out);
    expect(summary).toMatchObject({ inputs: keys.length, ok: keys.length - 1, errors: 1 });
    expect(summary.invocations).toBe(4);
    expect(summary.retries).toBe(1);
    // Billed time (and so the cost) counts every invocation's, the retry's included.
    const billedMs = invocations.reduce((n, i) => n + i.billedMs + i.initMs, 0);
    expect(summary.billedSeconds).toBeCloseTo(billedMs / 1000, 3);
    expect(summary.costUsd).toBeGreaterThan(0);
    const splits = await readSplitLog(out);
    expect(splits.map((s) => s.splitId).sort()).toEqual(['0', '1', '2']);
  });

  it('dynamic: the dispatcher hands the throttled inputs out again as a retry of their split', async () => {
    const out = path.join(dir, 'dynamic');
    const throttled = [keys[4] as string, keys[9] as string];
    const from = proxy.log.length;
    throttle(throttled, (key) => getsOf(key, from) <= CLIENT_ATTEMPTS);
    const run = await obifaas([...jobArgs(out), '--mode', 'dynamic', '--split-size', '8'], { cwd: dir, env });
    proxy.intercept(undefined);
    expect(JSON.parse(run.stdout), run.stderr).toMatchObject({ status: 'completed' });
    const lines = await readResults(out);
    expectEveryInputOnce(lines, keys);
    expect(lines.filter((l) => l.error !== null).map((l) => l.key)).toEqual([`sets/small/${MISSING}`]);
    for (const key of throttled) expect(getsOf(key, from), key).toBe(CLIENT_ATTEMPTS + 1);
    const splits = await readSplitLog(out);
    expect(splits.map((s) => s.splitId).sort()).toEqual(['0', '1', '2', '3']);
    const retried = splits.filter((s) => s.attempts?.some((a) => a.kind === 'retry'));
    expect(retried.map((s) => s.splitId).sort()).toEqual(['0', '1']);
    const { summary } = await readRecord(out);
    expect(summary.retries).toBe(2);
  });

  it('ends a key still throttled after the retry limit with a passing error that says how often it was tried', async () => {
    const out = path.join(dir, 'gave-up');
    const throttled = [keys[2] as string];
    throttle(throttled, () => true);
    const run = await obifaas([...jobArgs(out), '--max-retries', '1'], { cwd: dir, env });
    proxy.intercept(undefined);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'completed' });
    const lines = await readResults(out);
    expectEveryInputOnce(lines, keys);
    const line = lines.find((l) => l.key === throttled[0]);
    expect(line).toMatchObject({ top: null, errorKind: 'passing' });
    expect(line?.error).toMatch(/SlowDown.*\(tried 2 times\)$/);
  });

  it('--resume --retry-errors runs again only the input whose line is a passing error; one line per input', async () => {
    const out = path.join(dir, 'gave-up'); // the job above: keys[2] ended with a passing error
    const from = proxy.log.length;
    const run = await obifaas(['run', '--resume', out, '--retry-errors', '--json'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 'completed',
      retriedErrors: { inputs: 1, ok: 1 },
    });
    const lines = await readResults(out);
    expect(lines.map((l) => l.key)).toEqual(keys); // input order, one line each
    expect(lines.filter((l) => l.error !== null).map((l) => l.key)).toEqual([`sets/small/${MISSING}`]);
    // Only the input with the passing error was read again, not the rest of its split.
    expect(getsOf(keys[2] as string, from)).toBe(1);
    expect(getsOf(keys[0] as string, from) + getsOf(keys[1] as string, from)).toBe(0);
    expect((await readSplitLog(out)).map((s) => s.splitId).sort()).toEqual(['0', '1', '2']);
    const { summary } = await readRecord(out);
    expect(summary).toMatchObject({ ok: keys.length - 1, errors: 1, runs: 2 });
    expect(summary.invocations - (summary.invocationsInEarlierRuns ?? 0)).toBe(1);

    const again = await obifaas(['run', '--resume', out, '--retry-errors'], { cwd: dir, env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('no input ended with a passing error, nothing to retry');
  });

  it('--resume s3://... --retry-errors: a job whose output is S3, its staging folder gone, runs again its passing error and uploads the new records', async () => {
    const prefix = 'retry-errors';
    const throttled = keys[3] as string;
    throttle([throttled], () => true);
    const first = await obifaas([...jobArgs(`s3://results/${prefix}`), '--max-retries', '0'], {
      cwd: dir,
      env,
    });
    proxy.intercept(undefined);
    expect(JSON.parse(first.stdout), first.stderr).toMatchObject({ status: 'completed', errors: 2 });
    expect(await keysUnder(prefix)).toContain('job.json'); // uploaded; the default staging folder removed

    const from = proxy.log.length;
    const run = await obifaas(['run', '--resume', `s3://results/${prefix}`, '--retry-errors', '--json'], {
      cwd: dir,
      env,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 'completed',
      out: `s3://results/${prefix}`,
      retriedErrors: { inputs: 1, ok: 1 },
      upload: { status: 'uploaded' },
    });
    expect(getsOf(throttled, from)).toBe(1); // only the input with the passing error was read again
    const lines = linesOf<InputResult>(await objectText(prefix, 'results.jsonl'));
    expect(lines.map((l) => l.key)).toEqual(keys); // input order, one line each
    expect(lines.filter((l) => l.error !== null).map((l) => l.key)).toEqual([`sets/small/${MISSING}`]);
    const record = JSON.parse(await objectText(prefix, 'job.json')) as JobRecord;
    expect(record.summary).toMatchObject({ ok: keys.length - 1, errors: 1, runs: 2 });
  });

  it('--retry-errors killed while it runs: the records were swapped whole, and --resume runs only the input that had failed', async () => {
    const out = path.join(dir, 'retry-killed');
    const throttled = keys[5] as string;
    throttle([throttled], () => true);
    const first = await obifaas([...jobArgs(out), '--max-retries', '0'], { cwd: dir, env });
    expect(JSON.parse(first.stdout)).toMatchObject({ status: 'completed', errors: 2 });
    const killed = await obifaasKilledAtRequest(
      proxy,
      { method: 'GET', pathPrefix: `/data/${throttled}` },
      ['run', '--resume', out, '--retry-errors'],
      { cwd: dir, env },
    );
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    // The swap was whole: split 0 left the records, its lines with it, and nothing else is there.
    expect((await readSplitLog(out)).map((s) => s.splitId).sort()).toEqual(['1', '2']);
    expect(await readResults(out)).toHaveLength(keys.length - 9); // split 0 holds 9 of the 25 inputs
    const taken = await readJsonl<{ splitId: string; open: number[] }>(path.join(out, 'retry-errors.jsonl'));
    expect(taken).toMatchObject([{ splitId: '0', open: [5] }]);

    const from = proxy.log.length;
    const before = (await endedInvocations(out)).length;
    const resumed = await obifaas(['run', '--resume', out, '--json'], { cwd: dir, env });
    expect(JSON.parse(resumed.stdout), resumed.stderr).toMatchObject({
      status: 'completed',
      errors: 1,
      retriedErrors: { inputs: 1, ok: 1 },
    });
    expect(resumed.stderr).toContain('(1 input whose line was a passing error run again)');
    const lines = await readResults(out);
    expect(lines.map((l) => l.key)).toEqual(keys);
    expect(lines.find((l) => l.key === throttled)?.error).toBeNull();
    // Only the input that had failed was read again: split 0's other 8 inputs kept their lines.
    expect(getsOf(throttled, from)).toBe(1);
    expect(keys.slice(0, 9).filter((k) => k !== throttled && getsOf(k, from) > 0)).toEqual([]);
    const invocations = await endedInvocations(out);
    expect(invocations.slice(before)).toMatchObject([{ ok: true, splitIds: ['0'] }]);
    expect(invocations.slice(before)[0]?.timings?.images).toBe(1);
    expect(await readdir(out)).not.toContain('retry-errors.jsonl');
  });

  it('a job manager killed while the retry runs, then resumed, gives every input exactly one line', async () => {
    const out = path.join(dir, 'killed');
    const throttled = [keys[3] as string];
    let child: ChildProcess | undefined;
    const from = proxy.log.length;
    // The first read fails; the retry's read kills the job manager and is not answered.
    proxy.intercept(({ method, url }) => {
      if (method !== 'GET' || !url.startsWith(`/data/${throttled[0]}`)) return undefined;
      if (getsOf(throttled[0] as string, from) <= CLIENT_ATTEMPTS)
        return { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' };
      child?.kill('SIGKILL');
      return 'hold';
    });
    const run = await obifaas(jobArgs(out), { cwd: dir, env, onSpawn: (c) => (child = c) });
    proxy.intercept(undefined);
    expect(run.signal, run.stderr).toBe('SIGKILL');
    const logged = await readSplitLog(out);
    expect(logged.map((s) => s.splitId)).not.toContain('0'); // split 0 waited for its retry

    const resumed = await obifaas(['run', '--resume', out, '--json'], { cwd: dir, env });
    expect(JSON.parse(resumed.stdout), resumed.stderr).toMatchObject({ status: 'completed' });
    const lines = await readResults(out);
    expectEveryInputOnce(lines, keys);
    expect(lines.filter((l) => l.error !== null).map((l) => l.key)).toEqual([`sets/small/${MISSING}`]);
    const splits = await readSplitLog(out);
    expect(splits.map((s) => s.splitId).sort()).toEqual(['0', '1', '2']);
    const { summary } = await readRecord(out);
    // The killed run's three planned invocations (and the retry, when its start was estimated),
    // then the resumed run's one invocation of split 0 (its retry found nothing throttled).
    expect(summary.invocationsInEarlierRuns).toBeGreaterThanOrEqual(3);
    expect(summary.invocations - (summary.invocationsInEarlierRuns ?? 0)).toBe(1);
    expect(getsOf(throttled[0] as string, from)).toBe(CLIENT_ATTEMPTS + 2);
  });
});
