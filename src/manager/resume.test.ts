/** Reading a job folder for `--resume`, on folders written by hand in a temp directory. */
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScriptedBackend } from '../../test/support/scripted-backend.js';
import { exitCodeFor } from '../cli/exit-codes.js';
import { SpecError } from '../errors.js';
import { exportResults } from '../report/results/export.js';
import { compileJobSpec } from '../spec/compile.js';
import { JOB_SPEC_FILE, redactSecrets, writeJobSpecFile } from './job-spec-file.js';
import { prepareOutputFolder } from './output.js';
import { inputsDigest } from './inputs-digest.js';
import { lockJobFolder } from './job-lock.js';
import { prepareResume } from './resume.js';
import { runJob } from './run-job.js';

let dir: string;
const keys = Array.from({ length: 10 }, (_, i) => `img${i}.jpg`);
const line = (key: string): string =>
  `${JSON.stringify({ key, top: [{ class: 1, score: 1 }], error: null })}\n`;
const invocationLine = `${JSON.stringify({
  event: 'ended',
  invocationId: 'i0',
  submittedAt: 1,
  startedAt: 2,
  endedAt: 3,
  durationMs: 1,
  billedMs: 1,
  initMs: 0,
  cold: false,
  memoryMb: 3008,
  workerId: 'w0',
  splitIds: ['0'],
  attempt: 0,
  ok: true,
})}\n`;
const splitLine = (splitId: string, ok: number): string =>
  `${JSON.stringify({ splitId, inputs: ok, ok, errors: 0, workerId: 'w0', attempt: 0, endedAt: 1, error: null })}\n`;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-resume-unit-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A dynamic job of 10 inputs in splits of 4 (ids 0, 1, 2) started in `out`. */
async function startedJob(out: string, runs: Array<Record<string, unknown>> = []): Promise<void> {
  await mkdir(out, { recursive: true });
  await writeFile(path.join(dir, 'in.txt'), keys.join('\n'));
  const spec = compileJobSpec(
    { inputs: 'in.txt', model: 'tiny', mode: 'dynamic', splitSize: 4, out },
    { cores: 2, now: new Date(), cwd: dir },
  );
  await writeJobSpecFile(out, {
    version: 1,
    jobId: 'job-1',
    spec,
    inputs: { count: keys.length, digest: inputsDigest(keys) },
    runs: [
      {
        run: 0,
        startedAt: '2024-05-01T12:00:00.000Z',
        endedAt: null,
        splitsToRun: 3,
        splitsAlreadyDone: 0,
        workerIdPrefix: '',
        ...runs[0],
      },
    ],
  });
}

describe('prepareResume', () => {
  it('keeps the lines of logged splits and cuts off the rest, partial lines included', async () => {
    const out = path.join(dir, 'job');
    await startedJob(out);
    // Split 0 logged; split 2's lines written but not logged; then a line cut short.
    await writeFile(
      path.join(out, 'results.jsonl'),
      [...keys.slice(0, 4).map(line), ...keys.slice(8).map(line), '{"key":"img'].join(''),
    );
    await writeFile(path.join(out, 'splits.jsonl'), `${splitLine('0', 4)}{"splitId":"2"`);
    await writeFile(path.join(out, 'invocations.jsonl'), `${invocationLine}{"work`);
    const prepared = await prepareResume(out);
    await prepared.lock.release();
    expect(prepared.kind).toBe('resume');
    if (prepared.kind !== 'resume') return;
    expect(prepared).toMatchObject({ splits: 3, remaining: 2, droppedLines: 2 });
    expect(prepared.state.jobId).toBe('job-1');
    expect(prepared.state.doneSplits.map((l) => l.splitId)).toEqual(['0']);
    expect(prepared.state.lines.map((l) => l.key)).toEqual(keys.slice(0, 4));
    expect(prepared.state.invocations).toHaveLength(1);
    expect(prepared.state.firstStartedAt).toBe(Date.parse('2024-05-01T12:00:00.000Z'));
    expect(prepared.spec.outDir).toBe(out);
    expect(await readFile(path.join(out, 'results.jsonl'), 'utf8')).toBe(keys.slice(0, 4).map(line).join(''));
    expect(await readFile(path.join(out, 'splits.jsonl'), 'utf8')).toBe(splitLine('0', 4));
    expect(await readFile(path.join(out, 'invocations.jsonl'), 'utf8')).toBe(invocationLine);
  });

  it('says a finished job is complete, and writes the record of one that died before it', async () => {
    const out = path.join(dir, 'job');
    await startedJob(out);
    await writeFile(path.join(out, 'results.jsonl'), keys.map(line).join(''));
    await writeFile(
      path.join(out, 'splits.jsonl'),
      splitLine('0', 4) + splitLine('1', 4) + splitLine('2', 2),
    );
    const resumed = await prepareResume(out);
    expect(resumed).toMatchObject({ kind: 'resume', remaining: 0, droppedLines: 0 });
    if (resumed.kind !== 'resume') throw new Error('expected a job to resume');
    // Its run writes the record, running nothing.
    const backend = new ScriptedBackend(async () => 'ok');
    await runJob(resumed.spec, {
      backend,
      resume: resumed.state,
      inputs: resumed.inputs,
      lock: resumed.lock,
      home: dir,
    });
    await resumed.lock.release();
    expect(backend.calls).toBe(0);
    const complete = await prepareResume(out);
    await complete.lock.release();
    expect(complete).toMatchObject({
      kind: 'complete',
      jobId: 'job-1',
      dir: out,
      spec: { outDir: out },
      inputs: 10,
      splits: 3,
      lock: complete.lock,
    });
    // A damaged record is refused, naming the file and the field, and the folder is unlocked.
    const file = path.join(out, 'job.json');
    const record = JSON.parse(await readFile(file, 'utf8')) as { summary: { ok: unknown } };
    record.summary.ok = -4;
    await writeFile(file, JSON.stringify(record));
    const err = await prepareResume(out).then(
      () => null,
      (e: unknown) => e,
    );
    expect(exitCodeFor(err)).toBe(2);
    expect((err as Error).message).toContain(
      `--resume: invalid job record ${file}: summary.ok: expected an integer >= 0, got -4`,
    );
    // It says what to do: the results are intact, and the record can be moved aside.
    expect((err as Error).message).toContain(
      `. To go on: results.jsonl is intact (a line for every input, as splits.jsonl counts) and the job needs no run: restore job.json from a copy, or move it aside (to job.json.damaged) and read the results with 'obifaas results ${out}'`,
    );
    await writeFile(file, '{}');
    await expect(prepareResume(out)).rejects.toThrow(`${file}: version: missing: expected 1`);
    await rename(file, `${file}.damaged`);
    const exported = await exportResults(out, 'jsonl', '-');
    expect(exported).toMatchObject({ rows: 10, order: 'input' });
  });

  it('refuses a damaged job.json of an unfinished job, saying that it can be moved aside', async () => {
    const out = path.join(dir, 'job');
    await startedJob(out);
    await writeFile(path.join(out, 'results.jsonl'), keys.slice(0, 4).map(line).join(''));
    await writeFile(path.join(out, 'splits.jsonl'), splitLine('0', 4));
    const file = path.join(out, 'job.json');
    await writeFile(file, '{"version": 1');
    const err = await prepareResume(out).catch((e: unknown) => e);
    expect(exitCodeFor(err)).toBe(2);
    expect((err as Error).message).toMatch(
      /job\.json: not valid JSON.*\. To go on: move it aside \(to job\.json\.damaged\) and run --resume again: the end times of the earlier runs are then estimated from the folder's files$/,
    );
    await rename(file, `${file}.damaged`);
    const prepared = await prepareResume(out);
    await prepared.lock.release();
    expect(prepared).toMatchObject({ kind: 'resume', remaining: 2 });
  });

  it('refuses missing folders, files, folders without a job and a job whose folder is locked', async () => {
    await expect(prepareResume(path.join(dir, 'nope'))).rejects.toThrow(/--resume: '.*nope' does not exist/);
    await writeFile(path.join(dir, 'file'), 'x');
    await expect(prepareResume(path.join(dir, 'file'))).rejects.toThrow(/is a file, not a job folder/);
    await expect(prepareResume(dir)).rejects.toThrow(/is not a job folder \(no job\.spec\.json/);
    await writeFile(path.join(dir, JOB_SPEC_FILE), '{"version": 2}');
    await expect(prepareResume(dir)).rejects.toThrow(
      /--resume: invalid job spec file .*job\.spec\.json: version: expected 1, got 2; jobId: missing: expected a string/,
    );

    const out = path.join(dir, 'live');
    await startedJob(out);
    const lock = await lockJobFolder(out);
    await expect(prepareResume(out)).rejects.toThrow(
      new RegExp(
        `^--resume: the job in '.*live' is running: .*job\\.lock is held by process ${process.pid} on ${os.hostname()}`,
      ),
    );
    await lock.release();
    await (await prepareResume(out)).lock.release();
  });

  it('keeps a new job out of the folder of one that did not finish, pointing at --resume', async () => {
    const out = path.join(dir, 'job');
    await startedJob(out);
    await expect(prepareOutputFolder(out)).rejects.toThrow(
      /already holds a job that did not finish \(job\.spec\.json\); finish it with 'obifaas run --resume .*job'/,
    );
  });

  it('refuses a results file shorter than its split log says', async () => {
    const out = path.join(dir, 'job');
    await startedJob(out);
    await writeFile(path.join(out, 'results.jsonl'), keys.slice(0, 2).map(line).join(''));
    await writeFile(path.join(out, 'splits.jsonl'), splitLine('0', 4));
    await expect(prepareResume(out)).rejects.toThrow(
      /results\.jsonl: has 2 complete lines, but the splits logged up to .*splits\.jsonl:1 own 4/,
    );
  });
});

describe('prepareResume checks every record with its schema', () => {
  const resumeError = async (out: string): Promise<SpecError> => {
    const err = await prepareResume(out).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecError);
    expect(exitCodeFor(err)).toBe(2);
    return err as SpecError;
  };

  it('refuses a split line with a fractional count, naming the file, the line and the field', async () => {
    const out = path.join(dir, 'job');
    await startedJob(out);
    await writeFile(path.join(out, 'results.jsonl'), keys.slice(0, 4).map(line).join(''));
    const bad = splitLine('1', 4).replace('"ok":4', '"ok":1.5');
    await writeFile(path.join(out, 'splits.jsonl'), splitLine('0', 4) + bad);
    const err = await resumeError(out);
    expect(err.issues).toEqual([
      { path: `${path.join(out, 'splits.jsonl')}:2: ok`, message: 'expected an integer >= 0, got 1.5' },
    ]);
    expect(err.message).toMatch(/^--resume: bad records in .*splits\.jsonl \(1 bad line\): /);
  });

  it('refuses result lines with an unknown or a prototype key', async () => {
    const out = path.join(dir, 'job');
    await startedJob(out);
    const lines = keys.slice(0, 4).map(line);
    lines[1] = `${JSON.stringify({ key: 'img1.jpg', top: null, error: 'x', bogus: 1 })}\n`;
    lines[2] = '{"key":"img2.jpg","top":null,"error":"x","__proto__":{"polluted":true}}\n';
    await writeFile(path.join(out, 'results.jsonl'), lines.join(''));
    await writeFile(path.join(out, 'splits.jsonl'), splitLine('0', 4));
    const err = await resumeError(out);
    expect(err.issues.map((i) => `${path.basename(i.path)}: ${i.message}`)).toEqual([
      'results.jsonl:2: bogus: unknown key; expected one of: key, top, error, vector, embedding',
      "results.jsonl:3: __proto__: the key '__proto__' is refused at any level",
    ]);
  });

  it('refuses a spec file whose strategy names nothing, instead of resolving Object.prototype', async () => {
    const out = path.join(dir, 'job');
    await startedJob(out);
    const file = path.join(out, JOB_SPEC_FILE);
    const spec = JSON.parse(await readFile(file, 'utf8')) as { spec: { dispatch: { type: string } } };
    spec.spec.dispatch.type = 'toString';
    await writeFile(file, JSON.stringify(spec));
    const err = await resumeError(out);
    expect(err.issues).toEqual([
      { path: 'spec.dispatch.type', message: "expected one of 'static', 'dynamic', got 'toString'" },
    ]);
    await writeFile(file, '{"version": 1,\n "jobId": ');
    await expect(prepareResume(out)).rejects.toThrow(/job\.spec\.json: not valid JSON/);
  });
});

describe('prepareResume accounts for every run', () => {
  it('estimates the invocations whose end was not recorded, and refuses an invocation ended twice', async () => {
    const out = path.join(dir, 'job');
    await startedJob(out);
    await writeFile(path.join(out, 'results.jsonl'), keys.slice(0, 4).map(line).join(''));
    await writeFile(path.join(out, 'splits.jsonl'), splitLine('0', 4));
    const started = (workerId: string): string =>
      `${JSON.stringify({ event: 'started', run: 0, workerId, splitIds: ['0'], submittedAt: 1, memoryMb: 3008 })}\n`;
    await writeFile(path.join(out, 'invocations.jsonl'), started('w0') + started('w1') + invocationLine);
    const prepared = await prepareResume(out);
    await prepared.lock.release();
    if (prepared.kind !== 'resume') throw new Error('expected a resume');
    expect(prepared.state.invocations.map((i) => [i.workerId, i.estimated ?? false])).toEqual([
      ['w0', false],
      ['w1', true],
    ]);
    expect(prepared.state.runs[0]?.lastSeenAt).toBeDefined();
    await writeFile(path.join(out, 'invocations.jsonl'), invocationLine + invocationLine);
    await expect(prepareResume(out)).rejects.toThrow(
      /invocations\.jsonl:2: workerId: 'w0' has ended already, on an earlier line/,
    );
  });
});

describe('job plan and spec file', () => {
  it('is the plan minus the finished splits: a split the plan does not have is refused, nothing cut', async () => {
    const out = path.join(dir, 'job');
    await startedJob(out);
    const results = keys.slice(0, 4).map(line).join('') + '{"key":"img';
    await writeFile(path.join(out, 'results.jsonl'), results);
    await writeFile(path.join(out, 'splits.jsonl'), splitLine('0', 4) + splitLine('7', 4));
    await expect(prepareResume(out)).rejects.toThrow(
      /splits\.jsonl:2: splitId: '7' is not a split of the job's plan \(3 splits, ids 0 to 2\)/,
    );
    expect(await readFile(path.join(out, 'results.jsonl'), 'utf8')).toBe(results);
  });

  it('digests the inputs in order', () => {
    expect(inputsDigest(keys)).toBe(inputsDigest([...keys]));
    expect(inputsDigest(keys)).not.toBe(inputsDigest([...keys].reverse()));
  });

  it('leaves secrets out', () => {
    const { value, redacted } = redactSecrets({
      backend: { type: 'http', url: 'u', token: 's3cret' },
      a: [{ apiKey: 'k' }],
    });
    expect(value).toEqual({ backend: { type: 'http', url: 'u' }, a: [{}] });
    expect(redacted).toEqual(['backend.token', 'a[0].apiKey']);
  });
});
