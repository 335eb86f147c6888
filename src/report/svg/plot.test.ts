import { describe, expect, it } from 'vitest';
import { REFERENCE_CPR_MODEL } from '../../planning/cpr-model.js';
import type { CprSample } from '../../planning/cpr-records.js';
import { planOptions, planWorkers } from '../../planning/planner.js';
import { cprCurvesPlot, curveImageCounts } from '../plots/cpr-curves.js';
import { bestSoFar, optimizationHistoryPlot } from '../plots/optimization-history.js';
import { planTradeoffPlot } from '../plots/plan-tradeoff.js';
import { linearTicks, logTicks } from './axes.js';
import { renderBarChart } from './bars.js';
import { escapeXml, formatTick } from './format.js';
import { DEFAULT_PLOT_WIDTH, renderSvgPlot } from './plot.js';
import { assertWellFormed } from '../../../test/support/svg.js';

const count = (svg: string, what: string): number => svg.split(what).length - 1;
/** The drawn data of each panel, without legends. */
const data = (svg: string): string =>
  svg
    .split('<g class="data">')
    .slice(1)
    .map((part) => part.split('<g class="legend">')[0])
    .join('\n');
const legends = (svg: string): string =>
  svg
    .split('<g class="legend">')
    .slice(1)
    .map((part) => part.split('</g>')[0])
    .join('\n');

describe('renderSvgPlot', () => {
  it('draws one marker per point and one polyline per line, and escapes text', () => {
    const svg = renderSvgPlot({
      title: 'Costs & <latency>',
      xLabel: 'workers',
      yLabel: 'USD',
      series: [
        { name: 'a "quoted" series', style: 'dots', points: [1, 2, 3, 4, 5].map((x) => ({ x, y: x * x })) },
        { name: 'line', style: 'line', points: [1, 5].map((x) => ({ x, y: x })) },
        {
          name: 'both',
          style: 'line+dots',
          marker: 'square',
          points: [
            { x: 2, y: 3 },
            { x: 3, y: 4 },
            { x: Number.NaN, y: 1 },
          ],
        },
      ],
    });
    assertWellFormed(svg);
    expect(count(data(svg), '<circle')).toBe(5);
    expect(count(data(svg), '<rect')).toBe(2);
    expect(count(data(svg), '<polyline')).toBe(2);
    expect(svg).toContain('Costs &amp; &lt;latency&gt;');
    expect(svg).toContain('a &quot;quoted&quot; series');
  });

  it('puts the legend below the plot, with the markers the series draw', () => {
    const svg = renderSvgPlot({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      series: [
        { name: 'circles', style: 'dots', points: [{ x: 1, y: 1 }] },
        { name: 'diamonds', style: 'dots', marker: 'diamond', points: [{ x: 2, y: 2 }] },
        {
          name: 'a line',
          style: 'line',
          points: [
            { x: 1, y: 2 },
            { x: 2, y: 1 },
          ],
        },
      ],
    });
    const box = /<rect x="80" y="40" width="[\d.]+" height="([\d.]+)" fill="none"/.exec(svg);
    const plotBottom = 40 + Number(box?.[1]);
    const legendYs = [...legends(svg).matchAll(/ y="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(Math.min(...legendYs)).toBeGreaterThan(plotBottom);
    expect(count(legends(svg), '<circle')).toBe(1);
    expect(count(legends(svg), '<path')).toBe(1);
    expect(count(legends(svg), '<rect')).toBe(0);
    expect(count(legends(svg), '<line')).toBe(1);
  });

  it('leaves out non-positive points on log axes and says the scale', () => {
    const svg = renderSvgPlot({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      xLog: true,
      yLog: true,
      series: [
        {
          name: 's',
          style: 'dots',
          points: [
            { x: 0, y: 1 },
            { x: 1, y: -1 },
            { x: 10, y: 100 },
            { x: 1000, y: 0.5 },
          ],
        },
      ],
    });
    assertWellFormed(svg);
    expect(count(data(svg), '<circle')).toBe(2);
    expect(svg).toContain('x (log scale)');
  });

  it('dashes a line beyond the x range its data backs, and says so in the legend', () => {
    const svg = renderSvgPlot({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      series: [
        {
          name: 'model',
          style: 'line',
          solidX: [3, 6],
          points: [1, 2, 3, 4, 5, 6, 7, 8].map((x) => ({ x, y: x })),
        },
      ],
    });
    assertWellFormed(svg);
    const lines = data(svg).match(/<polyline[^>]*>/g) ?? [];
    expect(lines.map((l) => l.includes('stroke-dasharray'))).toEqual([true, false, true]);
    expect(svg).toContain('dashed: extrapolated beyond the samples');
  });

  it('draws error bars, reference lines and the diagonal', () => {
    const svg = renderSvgPlot({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      referenceLines: [{ axis: 'y', value: 4, name: 'cap' }],
      diagonal: 'y = x',
      series: [
        {
          name: 'mean',
          style: 'dots',
          points: [
            { x: 1, y: 1, yLow: 0.5, yHigh: 1.5 },
            { x: 2, y: 2 },
          ],
        },
      ],
    });
    assertWellFormed(svg);
    expect(count(data(svg), 'class="error-bar"')).toBe(1);
    expect(count(data(svg), 'class="reference"')).toBe(1);
    expect(count(data(svg), 'class="diagonal"')).toBe(1);
    expect(legends(svg)).toContain('cap');
  });

  it('survives empty and constant data', () => {
    assertWellFormed(renderSvgPlot({ title: 'e', xLabel: 'x', yLabel: 'y', series: [] }));
    assertWellFormed(
      renderSvgPlot({
        title: 'c',
        xLabel: 'x',
        yLabel: 'y',
        series: [
          {
            name: 'c',
            style: 'line',
            points: [
              { x: 1, y: 2 },
              { x: 1, y: 2 },
            ],
          },
        ],
      }),
    );
  });

  it('chooses readable ticks, never an exponent', () => {
    expect(linearTicks(0, 10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(linearTicks(0.13, 0.87)).toEqual([0.2, 0.4, 0.6, 0.8]);
    expect(logTicks(1, 1000)).toEqual([1, 10, 100, 1000]);
    expect(logTicks(3, 40)).toEqual([3, 5, 10, 20, 30]);
    expect(logTicks(0.7, 2.5)).toEqual([0.7, 0.8, 0.9, 1, 2]);
    expect(logTicks(1, 100)).toEqual([1, 2, 5, 10, 20, 50, 100]);
    expect(formatTick(5e6)).toBe('5M');
    expect(formatTick(250_000)).toBe('250k');
    expect(formatTick(12_500)).toBe('12.5k');
    expect(formatTick(1234.5678)).toBe('1,230');
    expect(formatTick(0.5)).toBe('0.5');
    expect(formatTick(0.000012)).toBe('12µ');
    for (const v of [5e6, 3e9, 1e-7, 123456789]) expect(formatTick(v)).not.toMatch(/e/);
    expect(escapeXml(`<a href='x'>&</a>`)).toBe('&lt;a href=&apos;x&apos;&gt;&amp;&lt;/a&gt;');
  });

  it('bar charts: the text after the longest bar ends inside the chart', () => {
    const text = '26.2 s (100 % of run time, and more words)';
    const svg = renderBarChart({
      title: 'time',
      axisLabel: 'seconds',
      bars: [
        { label: 'billed', value: 26.2, text },
        { label: 'init', value: 3 },
      ],
    });
    const x = Number(new RegExp(`<text x="([\\d.]+)"[^>]*>${text.replace(/[()]/g, '\\$&')}`).exec(svg)?.[1]);
    // At most 7.4 px per character of the 13 px font.
    expect(x + 7.4 * text.length).toBeLessThanOrEqual(DEFAULT_PLOT_WIDTH);
  });

  it('bar charts: one bar per quantity, labelled', () => {
    const svg = renderBarChart({
      title: 'time',
      axisLabel: 'seconds',
      bars: [
        { label: 'load', value: 3 },
        { label: 'predict', value: 0, text: '0 s' },
        { label: 'bad', value: Number.NaN },
      ],
    });
    assertWellFormed(svg);
    expect(count(svg, 'class="bar"')).toBe(3);
    expect(svg).toContain('0 s');
  });

  it('bar charts: a bar of 1e308 fills the chart without overflowing to Infinity', () => {
    const svg = renderBarChart({
      title: 'images/s',
      axisLabel: 'images per second',
      bars: [
        { label: 'A', value: 4.4 },
        { label: 'B', value: 1e308 },
      ],
    });
    expect(svg).not.toMatch(/NaN|Infinity/);
  });
});

describe('plots', () => {
  it('optimization history: a dot per successful trial, a mark per failed one, a best-so-far step', () => {
    const trials = [5, 3, null, 4, 1, 2].map((value, number) => ({ number, value }));
    expect(bestSoFar(trials, 'minimize').map((p) => p.y)).toEqual([5, 3, 3, 3, 1, 1]);
    expect(bestSoFar(trials, 'maximize').map((p) => p.y)).toEqual([5, 5, 5, 5, 5, 5]);
    const svg = optimizationHistoryPlot(trials, { direction: 'minimize', objective: 'seconds per image' });
    assertWellFormed(svg);
    expect(count(data(svg), '<circle')).toBe(5);
    expect(count(data(svg), '<path d=')).toBe(1);
    expect(count(data(svg), '<polyline')).toBe(1);
  });

  it('CPR: a curve per image count, dashed where it extrapolates, means with error bars, predicted against measured', () => {
    const samples: CprSample[] = [
      [16, 1],
      [100, 2],
      [400, 8],
      [1000, 20],
      [1000, 5],
      [1000, 5],
    ].map(([images, workers], i) => ({
      images: images!,
      workers: workers!,
      computeSeconds: images! * 0.1 + i,
      initSeconds: workers! * 5,
      latencySeconds: 10,
      memoryMb: 3008,
    }));
    expect(curveImageCounts(samples)).toEqual([16, 63, 252, 1000]);
    const svg = cprCurvesPlot(REFERENCE_CPR_MODEL, samples, { pricePerSecondUsd: 4.9e-5, maxWorkers: 40 });
    assertWellFormed(svg);
    const [curves, cpr, latency] = svg
      .split('<g class="data">')
      .slice(1)
      .map((p) => p.split('<g class="legend">')[0]!);
    // 5 distinct (image count, workers) groups: the two samples at 1000 images and 5 workers are one mean.
    expect(count(curves!, '<circle')).toBe(5);
    expect(count(curves!, 'class="error-bar"')).toBe(1);
    expect(count(curves!, 'stroke-dasharray')).toBeGreaterThanOrEqual(4);
    expect(svg).toContain('model, 1,000 images');
    expect(svg).toContain('dashed: extrapolated beyond the samples');
    expect(svg).toContain('cost per million images (USD)');
    expect(count(cpr!, '<circle')).toBe(6);
    expect(count(cpr!, 'class="diagonal"')).toBe(1);
    expect(count(latency!, '<rect')).toBe(6);
  });

  it('plan: the trade-off in cost and latency, with the chosen point and the target', () => {
    const request = {
      images: 10_000,
      model: REFERENCE_CPR_MODEL,
      pricePerSecondUsd: 4.9e-5,
      maxWorkers: 200,
      batchSize: 32,
    };
    const plan = planWorkers({ ...request, target: { type: 'cpr', usdPerMillion: 20 } });
    const svg = planTradeoffPlot(planOptions(request), plan, 10_000);
    assertWellFormed(svg);
    expect(count(data(svg), '<path d=')).toBe(2);
    expect(count(data(svg), 'class="reference"')).toBe(1);
    expect(svg).toContain(`chosen: ${plan.workers} workers`);
    expect(svg).toContain('predicted latency (s)');
  });
});
