/**
 * `--resume` checks every record of a job folder with its schema and accounts for every run; the
 * job's plan and its spec file.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { invocationLine, keys, line, splitLine, startedJob } from '../../test/support/resume-job.js';
import { useTempDir } from '../../test/support/temp-dir.js';
import { exitCodeFor } from '../cli/exit-codes.js';
import { SpecError } from '../errors.js';
import { JOB_SPEC_FILE, redactSecrets } from './job-spec-file.js';
import { inputsDigest } from './inputs-digest.js';
import { prepareResume } from './resume.js';

const temp = useTempDir('obifaas-resume-unit-', { each: true });

describe('prepareResume checks every record with its schema', () => {
  const resumeError = async (out: string): Promise<SpecError> => {
    const err = await prepareResume(out).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecError);
    expect(exitCodeFor(err)).toBe(2);
    return err as SpecError;
  };

  it('refuses a split line with a fractional count, naming the file, the line and the field', async () => {
    const out = path.join(temp.path, 'job');
    await startedJob(temp.path, out);
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
    const out = path.join(temp.path, 'job');
    await startedJob(temp.path, out);
    const lines = keys.slice(0, 4).map(line);
    lines[1] = `${JSON.stringify({ key: 'img1.jpg', top: null, error: 'x', bogus: 1 })}\n`;
    lines[2] = '{"key":"img2.jpg","top":null,"error":"x","__proto__":{"polluted":true}}\n';
    await writeFile(path.join(out, 'results.jsonl'), lines.join(''));
    await writeFile(path.join(out, 'splits.jsonl'), splitLine('0', 4));
    const err = await resumeError(out);
    expect(err.issues.map((i) => `${path.basename(i.path)}: ${i.message}`)).toEqual([
      'results.jsonl:2: bogus: unknown key; expected one of: key, top, error, errorKind, vector, embedding',
      "results.jsonl:3: __proto__: the key '__proto__' is refused at any level",
    ]);
  });

  it('refuses a spec file whose strategy names nothing, instead of resolving Object.prototype', async () => {
    const out = path.join(temp.path, 'job');
    await startedJob(temp.path, out);
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
    const out = path.join(temp.path, 'job');
    await startedJob(temp.path, out);
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
    const out = path.join(temp.path, 'job');
    await startedJob(temp.path, out);
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
