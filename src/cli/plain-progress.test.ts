/**
 * Progress off a terminal (a pipe, a CI log): a plain line at a steady interval of the injected
 * clock, without the bar or any control character; none where it is turned off; and the
 * environment variable that sets the interval.
 */
import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import {
  createStatusLine,
  PLAIN_INTERVAL_MS,
  progressIntervalMs,
  progressBar,
  type StatusStream,
} from './status-line.js';

function pipe(): StatusStream & { text: string } {
  const stream = {
    text: '',
    isTTY: false,
    write(chunk: string) {
      stream.text += chunk;
      return true;
    },
  };
  return stream;
}

describe('progress off a terminal', () => {
  it('prints a plain line each time the interval has passed on the clock, and none once stopped', () => {
    let now = 0;
    const out = pipe();
    const status = createStatusLine(out, { now: () => now });
    let done = 0;
    const view = (): string => `job ${progressBar(done, 10)} ${done}/10 | 0 errors`;
    for (const at of [0, 10_000, 29_999, 30_000, 45_000, 59_999, 60_000, 95_000]) {
      now = at;
      done++;
      status.show(view);
    }
    expect(out.text).toBe('job 4/10 | 0 errors\njob 7/10 | 0 errors\njob 8/10 | 0 errors\n');
    expect(PLAIN_INTERVAL_MS).toBe(30_000);
    // eslint-disable-next-line no-control-regex
    expect(out.text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f\u2588\u2591]/);
    status.stop();
    now = 200_000;
    status.show(view);
    expect(out.text.split('\n')).toHaveLength(4);
  });

  it('prints notices as they come and no progress where plain lines are off', () => {
    let now = 0;
    const out = pipe();
    const status = createStatusLine(out, { now: () => now, plainIntervalMs: null });
    status.show(() => 'job 1/10');
    now = 120_000;
    status.show(() => 'job 2/10');
    status.note('obifaas: cancelling');
    status.stop();
    expect(out.text).toBe('obifaas: cancelling\n');
  });

  it('reads the interval from OBIFAAS_PROGRESS_INTERVAL, and refuses a value it cannot read', () => {
    expect(progressIntervalMs({})).toBeUndefined();
    expect(progressIntervalMs({ OBIFAAS_PROGRESS_INTERVAL: '5s' })).toBe(5_000);
    expect(progressIntervalMs({ OBIFAAS_PROGRESS_INTERVAL: '2m' })).toBe(120_000);
    expect(progressIntervalMs({ OBIFAAS_PROGRESS_INTERVAL: 'off' })).toBeNull();
    expect(progressIntervalMs({ OBIFAAS_PROGRESS_INTERVAL: '0' })).toBeNull();
    expect(() => progressIntervalMs({ OBIFAAS_PROGRESS_INTERVAL: 'often' })).toThrow(UserError);
    expect(() => progressIntervalMs({ OBIFAAS_PROGRESS_INTERVAL: 'often' })).toThrow(
      /^OBIFAAS_PROGRESS_INTERVAL: expected .*'often'.*, or 'off'$/,
    );
  });
});
