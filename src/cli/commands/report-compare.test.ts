/**
 * `obifaas report JOB_A --compare JOB_B` through the CLI's `main()`: the page and what it prints,
 * and the refusals of a job against a day, either way round, and of a job against itself.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureCli as run } from '../../../test/support/capture-cli.js';
import { expectRefusal } from '../../../test/support/cli-refusal.js';
import { runScriptedJob } from '../../../test/support/scripted-job.js';
import type { ClassifyAgreement, JobComparison } from '../../report/compare/job-comparison.js';

let dir: string;
let a: string;
let b: string;
const keys = Array.from({ length: 6 }, (_, i) => `img${i}.jpg`);

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-report-compare-'));
  a = await runScriptedJob(dir, 'a', keys);
  b = await runScriptedJob(dir, 'b', keys, {
    predict: (key) => ({ top: [{ class: key === 'img2.jpg' ? 7 : key.length, score: 1 }], error: null }),
  });
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('obifaas report JOB --compare JOB', () => {
  it("writes the page into A's folder, named after B, and prints what it found", async () => {
    expect((await run('report', a)).code).toBe(0);
    const ownReport = await fs.readFile(path.join(a, 'report.html'), 'utf8');
    const human = await run('report', a, '--compare', b);
    expect(human.code, human.stderr).toBe(0);
    const file = path.join(a, 'compare-b.html');
    expect(human.stdout).toContain(`wrote ${file} (`);
    expect(human.stdout).toContain('top-1 agrees on 83.3 % of the inputs both predicted (5 of 6)');
    expect(human.stdout).toContain('both jobs have the same 6 inputs');
    // A's own report is left alone.
    expect(await fs.readFile(path.join(a, 'report.html'), 'utf8')).toBe(ownReport);

    const out = path.join(dir, 'ab.html');
    const json = await run('report', a, '--compare', b, '--out', out, '--json');
    expect(json.code, json.stderr).toBe(0);
    const written = JSON.parse(json.stdout) as { kind: string; file: string; comparison: JobComparison };
    expect(written).toMatchObject({ kind: 'job', file: out });
    expect(written.comparison.predictions).toMatchObject({ compared: 6, top1Agree: 5 });
    const predictions = written.comparison.predictions as ClassifyAgreement;
    expect(predictions.differing.map((d) => d.key)).toEqual(['img2.jpg']);
    expect(written.comparison.a.dir).toBe(a);
    const html = await fs.readFile(out, 'utf8');
    expect(html).toContain('data-field="top1AgreePercent"');
    expect(html).toContain('<code>img2.jpg</code>');
  });

  it('refuses a job against a day and a day against a job, and a missing folder to compare with', async () => {
    const day = path.join(dir, 'day');
    await fs.mkdir(day);
    await fs.writeFile(path.join(day, 'day.json'), '{}');
    expectRefusal(
      await run('report', a, '--compare', day),
      /--compare compares two jobs \(job\.json\) or two days \(day\.json\); '.*a' is a job \(job\.json\) and '.*day' is a day \(day\.json\)$/,
    );
    expectRefusal(
      await run('report', day, '--compare', a),
      /'.*day' is a day \(day\.json\) and '.*a' is a job \(job\.json\)$/,
    );
    expectRefusal(
      await run('report', a, '--compare', path.join(dir, 'nowhere')),
      /--compare: '.*nowhere' does not exist/,
    );
  });

  it('refuses a job compared with itself, by another path too', async () => {
    const again = path.join(path.dirname(a), '.', path.basename(a));
    expectRefusal(
      await run('report', a, '--compare', again),
      /--compare: '.*a' is the folder being reported; name another job's folder$/,
    );
  });
});
