import { describe, expect, it } from 'vitest';
import { assertWellFormed } from '../../../test/support/svg.js';
import { renderSvgPlot } from './plot.js';
import type { ReferenceLine } from './plot-types.js';

const count = (text: string, what: string): number => text.split(what).length - 1;

/** A plot of a few points against `lines`. */
const plot = (lines: ReferenceLine[]): string =>
  renderSvgPlot({
    title: 'functions',
    xLabel: 'time (s)',
    yLabel: 'functions',
    yFromZero: true,
    series: [
      {
        name: 'running',
        style: 'step',
        points: [
          { x: 0, y: 0 },
          { x: 5, y: 6 },
          { x: 9, y: 0 },
        ],
      },
    ],
    referenceLines: lines,
  });

/** Each label drawn on the plot: its text and baseline. */
const labels = (svg: string): Array<{ text: string; y: number }> =>
  [...svg.matchAll(/<text class="reference-label"[^>]* y="([\d.]+)"[^>]*>([^<]*)<\/text>/g)].map((m) => ({
    text: m[2]!,
    y: Number(m[1]),
  }));

describe('reference lines', () => {
  it('draws lines at one value once, labelled and named in the legend with both names', () => {
    const svg = plot([
      { axis: 'y', value: 6, name: 'cap: backend concurrency', color: '#D55E00' },
      { axis: 'y', value: 6, name: 'planned workers', color: '#009E73' },
    ]);
    assertWellFormed(svg);
    expect(count(svg, 'class="reference"')).toBe(1);
    expect(labels(svg).map((l) => l.text)).toEqual(['cap: backend concurrency = planned workers']);
    const legend = svg.split('<g class="legend">')[1]!;
    expect(count(legend, 'cap: backend concurrency = planned workers')).toBe(1);
    expect(legend).not.toContain('>planned workers<');
  });

  it('keeps the labels of lines closer than a label apart, and each label inside the plot', () => {
    const svg = plot([
      { axis: 'y', value: 6, name: 'cap: backend concurrency' },
      { axis: 'y', value: 6.1, name: 'planned workers' },
      { axis: 'y', value: 5.9, name: 'target' },
      { axis: 'y', value: 6.6, name: 'top' },
    ]);
    assertWellFormed(svg);
    expect(count(svg, 'class="reference"')).toBe(4);
    const ys = labels(svg)
      .map((l) => l.y)
      .sort((a, b) => a - b);
    expect(ys).toHaveLength(4);
    // 13 px labels: baselines at least a label's height apart, below the plot's top (40 px).
    for (let i = 1; i < ys.length; i++) expect(ys[i]! - ys[i - 1]!).toBeGreaterThanOrEqual(16);
    expect(ys[0]! - 13).toBeGreaterThanOrEqual(40);
  });

  it('labels a vertical line at its top, on its left where its right has no room', () => {
    const svg = plot([
      { axis: 'x', value: 2, name: 'deadline' },
      { axis: 'x', value: 9, name: 'a label too long to fit on the right' },
    ]);
    expect(svg).toMatch(/<text class="reference-label"[^>]*text-anchor="start"[^>]*>deadline</);
    expect(svg).toMatch(/<text class="reference-label"[^>]*text-anchor="end"[^>]*>a label too long/);
  });
});
