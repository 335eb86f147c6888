import { describe, expect, it } from 'vitest';
import { attempt, invocation, sampleJobRecord, split } from '../../../test/support/job-record.js';
import type { JobRecord } from '../../manager/types.js';
import { timelineSvg } from './timeline.js';
import { timelineLegend } from './timeline-legend.js';

/** The legend's entries: each kind and its count, in the order shown. */
const entries = (html: string): Array<[string, number]> =>
  [...html.matchAll(/data-legend="([^"]+)">.*?data-count="(\d+)"/g)].map((m) => [m[1]!, Number(m[2])]);

describe('the timeline legend', () => {
  it('lists every kind the sample job has, with its count, in the fixed order', () => {
    expect(entries(timelineLegend(sampleJobRecord()))).toEqual([
      ['wait', 4],
      ['init', 4],
      ['ok', 1],
      ['stopped', 1],
      ['failed', 1],
      ['timed-out', 1],
      ['attempt-lost', 1],
      ['attempt-failed', 1],
      ['attempt-silent', 1],
      ['mark-failed', 1],
      ['mark-timeout', 2],
      ['mark-retry', 1],
      ['mark-copy-won', 1],
      ['mark-copy-lost', 1],
    ]);
  });

  it('gives a timed-out invocation a bar of its own look, apart from a silent attempt, and names it', () => {
    const record = sampleJobRecord();
    const svg = timelineSvg(record);
    const fillOf = (pattern: RegExp): string => pattern.exec(svg)![1]!;
    const timedOut = fillOf(/<g class="inv end-timeout"[^>]*>.*?<rect class="work"[^>]*fill="([^"]+)"/);
    const silent = fillOf(/<rect class="attempt attempt-silent"[^>]*fill="([^"]+)"/);
    const others = ['ok', 'failed', 'stopped'].map((end) =>
      fillOf(new RegExp(`<g class="inv end-${end}"[^>]*>.*?<rect class="work"[^>]*fill="([^"]+)"`)),
    );
    expect([silent, ...others]).not.toContain(timedOut);
    const legend = timelineLegend(record);
    expect(legend).toMatch(
      new RegExp(`data-legend="timed-out"><svg[^>]*><rect[^>]*fill="${timedOut}"/></svg> timed out \\(`),
    );
  });

  it('leaves out the kinds that do not occur: no failure, timeout or copy in a clean job', () => {
    const clean: JobRecord = {
      ...sampleJobRecord(),
      invocations: [invocation('w0', 0, 3000), invocation('w1', 0, 2000, { initMs: 0, cold: false })],
      splits: [
        split('0', [attempt(0, 'first', 'w0', 600, 1200, 'won')]),
        split('1', [attempt(0, 'first', 'w1', 600, 1400, 'won')]),
      ],
    };
    const html = timelineLegend(clean);
    // The warm start waited for its function as well: 500 ms from submit to start.
    expect(entries(html)).toEqual([
      ['wait', 2],
      ['init', 1],
      ['ok', 2],
    ]);
    expect(html).not.toMatch(/\(<span data-count="0">/);
  });
});
