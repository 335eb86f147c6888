import { describe, expect, it } from 'vitest';
import { REFERENCE_CPR_MODEL } from '../planning/cpr-model.js';
import type { CprSample } from '../planning/cpr-records.js';
import { cprCurvesPlot, curveImageCounts } from './plots/cpr-curves.js';
import { bestSoFar, optimizationHistoryPlot } from './plots/optimization-history.js';
import { escapeXml, formatTick, linearTicks, logTicks, renderSvgPlot } from './svg-plot.js';

/** Checks that tags nest and close, attributes are quoted, and text has no raw `<` or `&`. */
function assertWellFormed(svg: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(svg); m; m = tag.exec(svg)) {
    const between = svg.slice(last, m.index);
    expect(between).not.toMatch(/[<>]|&(?!(amp|lt|gt|quot|apos);)/);
    last = m.index + m[0].length;
    const [, closing, name, , selfClosing] = m;
    if (closing) expect(stack.pop()).toBe(name);
    else if (!selfClosing) stack.push(name!);
  }
  expect(svg.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
}

const count = (svg: string, what: string): number => svg.split(what).length - 1;

describe('renderSvgPlot', () => {
  it('draws well-formed SVG with one circle per point and one polyline per line', () => {
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
          points: [
            { x: 2, y: 3 },
            { x: 3, y: 4 },
            { x: Number.NaN, y: 1 },
          ],
        },
      ],
    });
    assertWellFormed(svg);
    expect(count(svg, '<circle')).toBe(7);
    expect(count(svg, '<polyline')).toBe(2);
    expect(svg).toContain('Costs &amp; &lt;latency&gt;');
    expect(svg).toContain('a &quot;quoted&quot; series');
  });

  it('leaves out non-positive points on log axes and labels them', () => {
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
    expect(count(svg, '<circle')).toBe(2);
    expect(svg).toContain('x (log)');
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

  it('chooses readable ticks', () => {
    expect(linearTicks(0, 10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(linearTicks(0.13, 0.87)).toEqual([0.2, 0.4, 0.6, 0.8]);
    expect(logTicks(1, 1000)).toEqual([1, 10, 100, 1000]);
    expect(logTicks(3, 40)).toEqual([5, 10, 20]);
    expect(formatTick(0.000012)).toBe('1.2e-5');
    expect(formatTick(1234.5678)).toBe('1230');
    expect(escapeXml(`<a href='x'>&</a>`)).toBe('&lt;a href=&apos;x&apos;&gt;&amp;&lt;/a&gt;');
  });
});

describe('plots', () => {
  it('optimization history: a dot per successful trial and a best-so-far step line', () => {
    const trials = [5, 3, null, 4, 1, 2].map((value, number) => ({ number, value }));
    expect(bestSoFar(trials, 'minimize').map((p) => p.y)).toEqual([5, 3, 3, 3, 1, 1]);
    expect(bestSoFar(trials, 'maximize').map((p) => p.y)).toEqual([5, 5, 5, 5, 5, 5]);
    const svg = optimizationHistoryPlot(trials, { direction: 'minimize', objective: 'seconds per image' });
    assertWellFormed(svg);
    expect(count(svg, '<circle')).toBe(5);
    expect(count(svg, '<polyline')).toBe(1);
  });

  it('CPR curves: one curve per image count and a dot per sample', () => {
    const samples: CprSample[] = [
      [16, 1],
      [100, 2],
      [400, 8],
      [1000, 20],
      [1000, 5],
    ].map(([images, workers]) => ({
      images: images!,
      workers: workers!,
      computeSeconds: images! * 0.1,
      initSeconds: workers! * 5,
      latencySeconds: 10,
      memoryMb: 3008,
    }));
    expect(curveImageCounts(samples)).toEqual([16, 63, 252, 1000]);
    const svg = cprCurvesPlot(REFERENCE_CPR_MODEL, samples, { pricePerSecondUsd: 4.9e-5 });
    assertWellFormed(svg);
    expect(count(svg, '<circle')).toBe(5);
    expect(count(svg, '<polyline')).toBe(4);
    expect(svg).toContain('model, 1000 images');
  });
});
