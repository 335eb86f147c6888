import { describe, expect, it } from 'vitest';
import { attempt, invocation, sampleJobRecord, split } from '../../../test/support/job-record.js';
import type { JobRecord } from '../../manager/types.js';
import { timelineSvg } from './timeline.js';

/** Each mark of the timeline: its kind and the box it covers (from its shape's coordinates). */
function markBoxes(
  svg: string,
): Array<{ kind: string; left: number; right: number; top: number; bottom: number }> {
  return [...svg.matchAll(/<(path|circle) class="mark mark-([\w-]+)"([^>]*)>/g)].map(
    ([, shape, kind, attrs]) => {
      const num = (name: string): number => Number(new RegExp(` ${name}="([-\\d.]+)"`).exec(attrs!)![1]);
      if (shape === 'circle') {
        const [cx, cy, r] = [num('cx'), num('cy'), num('r')];
        return { kind: kind!, left: cx - r, right: cx + r, top: cy - r, bottom: cy + r };
      }
      const d = / d="([^"]+)"/.exec(attrs!)![1]!;
      const xs: number[] = [];
      const ys: number[] = [];
      for (const [, x, y] of d.matchAll(/[ML]([-\d.]+) ([-\d.]+)/g)) {
        xs.push(Number(x));
        ys.push(Number(y));
      }
      return {
        kind: kind!,
        left: Math.min(...xs),
        right: Math.max(...xs),
        top: Math.min(...ys),
        bottom: Math.max(...ys),
      };
    },
  );
}

/** Whether two of the marks overlap; the message names them. */
function expectApart(marks: ReturnType<typeof markBoxes>): void {
  for (let i = 0; i < marks.length; i++)
    for (let j = i + 1; j < marks.length; j++) {
      const [a, b] = [marks[i]!, marks[j]!];
      const overlap = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
      expect(overlap, `${a.kind} and ${b.kind} overlap`).toBe(false);
    }
}

describe('marks at one end of a bar', () => {
  it('stay apart: a failed invocation and the retry that starts where it ends, a timeout and a copy', () => {
    // w1 fails at 1.5 s and its split is retried on w1 at once; w2 times out at 4 s, where a copy starts.
    const record: JobRecord = {
      ...sampleJobRecord(),
      invocations: [
        invocation('w1', 0, 1500, { ok: false, error: 'InjectedFault: worker w1 fails' }),
        invocation('w1', 1500, 3000),
        invocation('w2', 0, 4000, { ok: false, error: 'invocation timed out after 3500 ms' }),
        invocation('w2', 4000, 6000),
      ],
      splits: [
        split('0', [
          attempt(0, 'first', 'w1', 600, 1500, 'failed'),
          attempt(1, 'retry', 'w1', 1500, 2500, 'won'),
        ]),
        split('1', [
          attempt(0, 'first', 'w2', 600, 4000, 'silent'),
          attempt(1, 'copy', 'w2', 4000, 5000, 'won'),
        ]),
      ],
    };
    const marks = markBoxes(timelineSvg(record));
    expect(marks.map((m) => m.kind).sort()).toEqual(['copy-won', 'failed', 'retry', 'timeout', 'timeout']);
    expectApart(marks);
  });

  it('stay apart and inside the timeline when they crowd at the end of the job', () => {
    // w1 fails as the job ends, where a retry and a copy on w1 start (and end) too.
    const record: JobRecord = {
      ...sampleJobRecord(),
      invocations: [invocation('w0', 0, 4000), invocation('w1', 0, 4000, { ok: false, error: 'failed' })],
      splits: [
        split('0', [
          attempt(0, 'first', 'w1', 600, 4000, 'failed'),
          attempt(1, 'retry', 'w1', 4000, 4000, 'won'),
        ]),
        split('1', [
          attempt(0, 'first', 'w0', 600, 4000, 'won'),
          attempt(1, 'copy', 'w1', 4000, 4000, 'lost'),
        ]),
      ],
    };
    const svg = timelineSvg(record);
    const width = Number(/ width="(\d+)"/.exec(svg)![1]);
    const marks = markBoxes(svg);
    expect(marks.map((m) => m.kind).sort()).toEqual(['copy-lost', 'failed', 'retry']);
    expectApart(marks);
    for (const m of marks) expect(m.right, m.kind).toBeLessThanOrEqual(width);
  });
});
