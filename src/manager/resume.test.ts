/** Reading a job folder for `--resume`, on folders written by hand in a temp directory. */
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { invocationLine, keys, line, splitLine, startedJob } from '../../test/support/resume-job.js';
import { ScriptedBackend } from '../../test/support/scripted-backend.js';
import { useTempDir } from '../../test/support/temp-dir.js';
import { exitCodeFor } from '../cli/exit-codes.js';
import { exportResults } from '../report/results/export.js';
import { JOB_SPEC_FILE } from './job-spec-file.js';
import { prepareOutputFolder } from './output.js';
import { lockJobFolder } from './job-lock.js';
import { prepareResume } from './resume.js';
import { runJob } from './run-job.js';

const temp = useTempDir('obifaas-resume-unit-', { each: true });

describe('prepareResume', () => {
  it('keeps the lines of logged splits and cuts off the rest, partial lines included', async () => {
    const out = path.join(temp.path, 'job');
    await startedJob(temp.path, out);
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
    const out = path.join(temp.path, 'job');
    await startedJob(temp.path, out);
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
      home: temp.path,
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
    const out = path.join(temp.path, 'job');
    await startedJob(temp.path, out);
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
    await expect(prepareResume(path.join(temp.path, 'nope'))).rejects.toThrow(
      /--resume: '.*nope' does not exist/,
    );
    await writeFile(path.join(temp.path, 'file'), 'x');
    await expect(prepareResume(path.join(temp.path, 'file'))).rejects.toThrow(/is a file, not a job folder/);
    await expect(prepareResume(temp.path)).rejects.toThrow(/is not a job folder \(no job\.spec\.json/);
    await writeFile(path.join(temp.path, JOB_SPEC_FILE), '{"version": 2}');
    await expect(prepareResume(temp.path)).rejects.toThrow(
      /--resume: invalid job spec file .*job\.spec\.json: version: expected 1, got 2; jobId: missing: expected a string/,
    );

    const out = path.join(temp.path, 'live');
    await startedJob(temp.path, out);
    const lock = await lockJobFolder(out);
    await expect(prepareResume(out)).rejects.toThrow(
      /^--resume: the job in '.*live' is running in this process \(.*job\.lock, taken .*\); wait for it to end$/,
    );
    await lock.release();
    await (await prepareResume(out)).lock.release();
  });

  it('keeps a new job out of the folder of one that did not finish, pointing at --resume', async () => {
    const out = path.join(temp.path, "Bob's job");
    await startedJob(temp.path, out);
    const refused = await prepareOutputFolder(out).catch((e: unknown) => e);
    expect((refused as Error).message).toContain(
      `already holds a job that did not finish (job.spec.json); finish it with \`obifaas run --resume '${temp.path}/Bob'\\''s job'\` or choose another folder`,
    );
  });

  it('refuses a results file shorter than its split log says', async () => {
    const out = path.join(temp.path, 'job');
    await startedJob(temp.path, out);
    await writeFile(path.join(out, 'results.jsonl'), keys.slice(0, 2).map(line).join(''));
    await writeFile(path.join(out, 'splits.jsonl'), splitLine('0', 4));
    await expect(prepareResume(out)).rejects.toThrow(
      /results\.jsonl: has 2 complete lines, but the splits logged up to .*splits\.jsonl:1 own 4/,
    );
  });
});
