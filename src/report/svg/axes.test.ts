import { describe, expect, it } from 'vitest';
import { linearTicks, makeAxis, spansDecades } from './axes.js';
import { optimizationHistoryPlot } from '../plots/optimization-history.js';
import { renderSvgPlot } from './plot.js';

const tickLabels = (svg: string, axis: 'x' | 'y'): string[] => {
  const group = svg.split('<g class="tick-labels"')[1]!.split('</g>')[0]!;
  const anchor = axis === 'y' ? 'text-anchor="end"' : 'text-anchor="middle"';
  return [...group.matchAll(/<text [^>]*>([^<]*)<\/text>/g)]
    .filter((m) => m[0].includes(anchor))
    .map((m) => m[1]!);
};

describe('axes', () => {
  it('ticks a count axis at whole numbers only', () => {
    expect(linearTicks(0, 2.1)).toContain(0.5);
    expect(linearTicks(0, 2.1, 6, true)).toEqual([0, 1, 2]);
    expect(linearTicks(0, 60, 6, true)).toEqual([0, 10, 20, 30, 40, 50, 60]);
    const svg = renderSvgPlot({
      title: 'functions',
      xLabel: 'time (s)',
      yLabel: 'functions',
      yFromZero: true,
      yIntegers: true,
      series: [{ name: 'running', style: 'step', points: [0, 1, 2, 1, 0].map((y, x) => ({ x, y })) }],
    });
    expect(tickLabels(svg, 'y')).toEqual(['0', '1', '2']);
  });

  it('ticks trials at whole numbers, however few', () => {
    const svg = optimizationHistoryPlot(
      [0, 1, 2].map((number) => ({ number, value: 10 - number })),
      { direction: 'minimize', objective: 'seconds per image' },
    );
    expect(tickLabels(svg, 'x')).toEqual(['0', '1', '2']);
  });

  it('keeps an axis of zeros at 0 and up when it starts from zero', () => {
    const axis = makeAxis([0, 0, 0], false, 0, 100, true);
    expect(axis.domain[0]).toBe(0);
    expect(Math.min(...axis.ticks)).toBe(0);
    expect(makeAxis([0, 0], false, 0, 100).domain[0]).toBeLessThan(0);
  });

  it('calls for a log axis only where positive values span decades', () => {
    expect(spansDecades([0.5, 1, 30])).toBe(true);
    expect(spansDecades([14, 20, 135])).toBe(false);
    expect(spansDecades([0, 1, 1000])).toBe(false);
    expect(spansDecades([5, Number.NaN, 5000])).toBe(true);
    expect(spansDecades([7])).toBe(false);
  });
});
