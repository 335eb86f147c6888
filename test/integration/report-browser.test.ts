/**
 * Reports as people see them: a real dynamic job (tiny model, local functions, injected
 * failures and slow workers, speculation) run with the CLI, its report.html opened from
 * file:// in Debian's Chromium; a small static job's; then a small replay's day report, compared
 * with a simulation of the same trace. Each page must raise no console error, show what job.json
 * or day.json says, lay out well (nothing cut, overlapping or too small at a laptop's width and a
 * phone's, nothing cut in print), and leave screenshots (in test-output/report-browser/).
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InputResult } from '../../src/core/prediction.js';
import { generateDataset, type GeneratedDataset } from '../../src/dataset/generate.js';
import type { JobRecord } from '../../src/manager/types.js';
import type { DayReport } from '../../src/trace/day-report.js';
import { formatTraceCsv, generateTrace } from '../../src/trace/trace-gen.js';
import { figure, renderPage } from '../../src/report/html/page.js';
import { renderSvgPlot } from '../../src/report/svg/plot.js';
import { chromiumPath, openFile } from '../support/browser.js';
import { expectGoodLayout, SCREENSHOT_DIR } from '../support/page-layout.js';
import { obifaas as runObifaas, type CliRun } from '../support/obifaas-cli.js';

let dir: string;
let dataset: GeneratedDataset;

function obifaas(args: string[]): Promise<CliRun> {
  return runObifaas(args, { cwd: dir, env: { OBIFAAS_HOME: path.join(dir, 'home') } });
}

const readJson = async <T>(file: string): Promise<T> => JSON.parse(await readFile(file, 'utf8')) as T;

beforeAll(async () => {
  chromiumPath(); // fails first, and loudly, where there is no browser
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-report-browser-'));
  dataset = await generateDataset({ count: 48, outDir: path.join(dir, 'data'), seed: 21 });
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a job report in a browser', () => {
  it('shows every invocation, the failure and copy marks and the totals of job.json', async () => {
    const run = await obifaas([
      'run',
      ...['--input', 'data/manifest.txt', '--model', 'tiny', '--mode', 'dynamic'],
      ...['--workers', '6', '--max-concurrency', '6', '--split-size', '2', '--batch-size', '2'],
      ...['--fail-percent', '34', '--delay-percent', '50', '--delay-max', '2s', '--fault-seed', '3'],
      ...['--speculation', '--speculation-interval', '100ms', '--out', 'job'],
    ]);
    expect(run.code, run.stderr).toBe(0);
    const out = path.join(dir, 'job');
    expect(run.stdout).toContain(`Report:  ${path.join(out, 'report.html')}`);
    const record = await readJson<JobRecord>(path.join(out, 'job.json'));

    // What the timeline must mark, read from job.json itself.
    const failed = record.invocations.filter(
      (i) => !i.ok && i.stopped !== true && !/timed? ?out/i.test(i.error ?? ''),
    );
    const copies = record.splits.flatMap((s) => s.attempts).filter((a) => a.kind === 'copy');
    const retries = record.splits.flatMap((s) => s.attempts).filter((a) => a.kind === 'retry');
    expect(failed.length, 'the injected failures ended invocations').toBeGreaterThan(0);
    expect(copies.length, "speculation copied the slow workers' splits").toBeGreaterThan(0);

    // A completed job's results are in input order.
    const lines = (await readFile(path.join(out, 'results.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as InputResult).key)).toEqual(dataset.keys);
    expect(record.resultsOrder).toBe('input');

    const opened = await openFile(path.join(out, 'report.html'));
    try {
      const { page } = opened;
      expect(await page.locator('.timeline g.inv').count()).toBe(record.invocations.length);
      expect(await page.locator('.timeline .mark-failed').count()).toBe(failed.length);
      expect(await page.locator('.timeline .mark-copy-won, .timeline .mark-copy-lost').count()).toBe(
        copies.length,
      );
      expect(await page.locator('.timeline .mark-retry').count()).toBe(retries.length);
      // Failed attempts are striped, not only coloured: red, vermilion and orange look alike to some.
      for (const fill of await page
        .locator('.timeline rect.attempt-failed')
        .evaluateAll((els) => els.map((e) => e.getAttribute('fill'))))
        expect(fill).toMatch(/^url\(#/);
      const s = record.summary;
      for (const field of [
        'inputs',
        'ok',
        'errors',
        'invocations',
        'failedInvocations',
        'retries',
        'coldStarts',
      ] as const) {
        const card = page.locator(`.card[data-field="${field}"]`);
        expect(await card.locator('.v').textContent(), field).toBe(s[field].toLocaleString('en-US'));
      }
      for (const field of ['latencySeconds', 'billedSeconds', 'costUsd', 'imagesPerSecond'] as const)
        expect(
          Number(await page.locator(`.card[data-field="${field}"]`).getAttribute('data-value')),
          field,
        ).toBe(s[field]);
      expect(await page.locator('[data-field="status"]').textContent()).toBe(s.status);

      // Hover shows what a bar is; a click shows its record.
      const first = record.invocations[0]!;
      const bar = page.locator(`.timeline g.inv[data-i="0"] rect.work`);
      await bar.hover();
      await expect.poll(() => page.locator('#tip').textContent()).toContain(first.workerId);
      await bar.click();
      expect(await page.locator('#details').textContent()).toContain(first.invocationId);

      await mkdir(SCREENSHOT_DIR, { recursive: true });
      await copyFile(path.join(out, 'report.html'), path.join(SCREENSHOT_DIR, 'report-job.html'));
      await expectGoodLayout(page, 'report-job');
      expect(opened.errors).toEqual([]);
    } finally {
      await opened.close();
    }
  });
});

describe('a static job report in a browser', () => {
  it('lays out its figures whole: bar values inside their chart, split time within run time', async () => {
    const run = await obifaas([
      'run',
      ...['--input', 'data/manifest.txt', '--model', 'tiny', '--workers', '2', '--split-size', '8'],
      ...['--out', 'static'],
    ]);
    expect(run.code, run.stderr).toBe(0);
    const opened = await openFile(path.join(dir, 'static', 'report.html'));
    try {
      const { page } = opened;
      // A static job stamps its attempts before the cold start: that time is not time on splits.
      const share = await page.locator('svg text', { hasText: 'of run time)' }).textContent();
      expect(Number(/\((\d+(?:\.\d+)?) %/.exec(share ?? '')?.[1])).toBeLessThanOrEqual(100);
      await expectGoodLayout(page, 'report-static');
      expect(opened.errors).toEqual([]);
    } finally {
      await opened.close();
    }
  });
});

describe('a day report in a browser', () => {
  it('shows a replay against its caps and its comparison with a simulation of the same trace', async () => {
    const rows = generateTrace({ jobs: 5, seed: 9, medianImages: 8, sizeSigma: 0.5, maxImages: 16 });
    await writeFile(path.join(dir, 'day.csv'), formatTraceCsv(rows));
    const replay = await obifaas([
      'replay',
      'day.csv',
      ...['--input', 'data/manifest.txt', '--model', 'tiny', '--batch-size', '4', '--top-k', '1'],
      ...[
        '--speed',
        '50000',
        '--max-workers',
        '3',
        '--max-jobs',
        '2',
        '--split-size',
        '4',
        '--out',
        'replay',
      ],
    ]);
    expect(replay.code, replay.stderr).toBe(0);
    const simulate = await obifaas([
      'simulate',
      'day.csv',
      ...['--profile', 'lambda-resnet50-3008', '--speed', '50000', '--max-workers', '3', '--max-jobs', '2'],
      ...['--mode', 'static', '--split-size', '4', '--out', 'simulate'],
    ]);
    expect(simulate.code, simulate.stderr).toBe(0);
    const compare = await obifaas(['report', 'replay', '--compare', 'simulate', '--json']);
    expect(compare.code, compare.stderr).toBe(0);
    const written = JSON.parse(compare.stdout) as { file: string; compared: number };
    const day = await readJson<DayReport>(path.join(dir, 'replay', 'day.json'));
    expect(written.compared).toBe(day.jobs.filter((j) => j.status === 'succeeded').length);

    const opened = await openFile(written.file);
    try {
      const { page } = opened;
      for (const field of ['jobs', 'succeeded', 'failed', 'images', 'peakWorkers'] as const)
        expect(
          Number(await page.locator(`.card[data-field="${field}"]`).getAttribute('data-value')),
          field,
        ).toBe(day.totals[field]);
      expect(Number(await page.locator('[data-field="comparedJobs"]').getAttribute('data-value'))).toBe(
        written.compared,
      );
      // One point per succeeded job in the latency plot, and the cap drawn.
      const latency = page.locator('figure svg').first();
      expect(await latency.locator('g.series[data-name="succeeded"] circle').count()).toBe(
        day.totals.succeeded,
      );
      expect(await page.locator('text', { hasText: 'cap: 3 functions' }).count()).toBeGreaterThan(0);
      await mkdir(SCREENSHOT_DIR, { recursive: true });
      await copyFile(written.file, path.join(SCREENSHOT_DIR, 'report-day.html'));
      await expectGoodLayout(page, 'report-day');
      expect(opened.errors).toEqual([]);
    } finally {
      await opened.close();
    }
  });
});

describe("a plot's reference lines in a browser", () => {
  it('draws lines at one value once and keeps the labels of close lines apart, at any width', async () => {
    const plot = renderSvgPlot({
      title: 'Functions running against the caps',
      xLabel: 'time (s)',
      yLabel: 'functions',
      yFromZero: true,
      yIntegers: true,
      height: 320,
      series: [{ name: 'running', style: 'step', points: [0, 6, 6, 5, 0].map((y, x) => ({ x, y })) }],
      referenceLines: [
        { axis: 'y', value: 6, name: 'cap: backend concurrency', color: '#D55E00' },
        { axis: 'y', value: 6, name: 'planned workers', color: '#009E73' },
        { axis: 'y', value: 6.2, name: 'a line just above' },
        { axis: 'y', value: 5.9, name: 'a line just below' },
        { axis: 'x', value: 3.9, name: 'deadline' },
        { axis: 'x', value: 4, name: 'another deadline' },
      ],
    });
    const file = path.join(dir, 'reference-lines.html');
    await writeFile(
      file,
      renderPage({ title: 'Reference lines', sections: [{ id: 'p', title: 'Plot', html: figure(plot) }] }),
    );
    const opened = await openFile(file);
    try {
      const { page } = opened;
      expect(await page.locator('figure svg line.reference').count()).toBe(5);
      expect(
        await page
          .locator('text.reference-label', { hasText: 'cap: backend concurrency = planned workers' })
          .count(),
      ).toBe(1);
      await expectGoodLayout(page, 'report-reference-lines');
      expect(opened.errors).toEqual([]);
    } finally {
      await opened.close();
    }
  });
});
