/**
 * The verdicts weighed against the spread of each job's own invocations: job folders as the job
 * manager writes them, whose `job.json` is then given crafted invocations (their billed and run
 * times, their images) and summary figures. B 12 % cheaper and 1.12× as fast is a winner when
 * each job's invocations agree among themselves, and "about the same" when they spread wider
 * than that (a loaded machine); with too few invocations to tell, the winner is given as before.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScriptedJob } from '../../../test/support/scripted-job.js';
import type { JobRecord } from '../../manager/types.js';
import { jobComparisonHtml } from './compare-html.js';
import { compareJobs } from './compare-jobs.js';
import { cheaperVerdict, fasterVerdict } from './compare-verdicts.js';

let dir: string;
let base: string;
const KEYS = Array.from({ length: 12 }, (_, i) => `img${i}.jpg`);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-compare-spread-'));
  base = await runScriptedJob(dir, 'base', KEYS);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * A copy of the base job named `name` whose invocations ran `runMs` each (10 images each), and
 * whose summary says `costPerMillionImagesUsd` and `imagesPerSecond`.
 */
async function crafted(
  name: string,
  runMs: readonly number[],
  summary: { costPerMillionImagesUsd: number; imagesPerSecond: number },
): Promise<string> {
  const copy = path.join(dir, name);
  await cp(base, copy, { recursive: true });
  const file = path.join(copy, 'job.json');
  const record = JSON.parse(await readFile(file, 'utf8')) as JobRecord;
  const first = record.invocations[0]!;
  record.invocations = runMs.map((ms, i) => ({
    ...first,
    invocationId: `${name}-${i}`,
    workerId: `w${i}`,
    billedMs: ms,
    durationMs: ms,
    initMs: 0,
    timings: { ...first.timings!, images: 10 },
  }));
  Object.assign(record.summary, summary);
  await writeFile(file, JSON.stringify(record));
  return copy;
}

const QUIET_MS = [1000, 1005, 1010, 1015, 1020, 1025];
const LOADED_MS = [700, 900, 1000, 1100, 1300, 1500];
const A_FIGURES = { costPerMillionImagesUsd: 2000, imagesPerSecond: 10 };
/** 12 % cheaper per image and 1.12× as fast as A. */
const B_FIGURES = { costPerMillionImagesUsd: 1760, imagesPerSecond: 11.2 };

describe('a verdict weighed against the spread of the invocations', () => {
  it('names the winner when each job’s invocations agree among themselves', async () => {
    const c = await compareJobs(
      await crafted('quiet-a', QUIET_MS, A_FIGURES),
      await crafted('quiet-b', QUIET_MS, B_FIGURES),
    );
    expect(c.spreads.costPerImageUsd.a).toMatchObject({ invocations: 6 });
    expect(cheaperVerdict(c)).toMatchObject({ winner: 'b', amount: '12 % less' });
    expect(cheaperVerdict(c).withinSpread).toBeUndefined();
    expect(fasterVerdict(c)).toMatchObject({ winner: 'b', amount: '1.12×' });
  });

  it('says "about the same" when the difference is within the spread, keeping the numbers', async () => {
    const c = await compareJobs(
      await crafted('loaded-a', LOADED_MS, A_FIGURES),
      await crafted('loaded-b', LOADED_MS, B_FIGURES),
    );
    const cheaper = cheaperVerdict(c);
    expect(cheaper).toMatchObject({ winner: 'same', amount: null, withinSpread: true });
    expect(cheaper.text).toMatch(
      /^A \(loaded-a\) and B \(loaded-b\) cost about the same per image: B \(loaded-b\)'s 12 % less is within the invocations' spread \(the middle half of a job's invocations spans 3\d % of their median\) \(\$0\.00200 against \$0\.00176 per image\)$/,
    );
    const faster = fasterVerdict(c);
    expect(faster).toMatchObject({ winner: 'same', amount: null, withinSpread: true });
    expect(faster.text).toContain("B (loaded-b)'s 1.12× is within the invocations' spread");
    expect(faster.text).toContain('(10.0 against 11.2 images/s)');
    expect(jobComparisonHtml(c, { generatedAt: 'now' })).toContain(
      'data-field="cheaper" data-value="same"><div class="v">about the same</div>',
    );
  });

  it('names the winner when a job has too few invocations to tell its spread', async () => {
    const c = await compareJobs(
      await crafted('few-a', LOADED_MS.slice(0, 3), A_FIGURES),
      await crafted('few-b', LOADED_MS, B_FIGURES),
    );
    expect(c.spreads.costPerImageUsd.a).toBeNull();
    expect(cheaperVerdict(c)).toMatchObject({ winner: 'b', amount: '12 % less' });
    expect(fasterVerdict(c)).toMatchObject({ winner: 'b', amount: '1.12×' });
  });
});
