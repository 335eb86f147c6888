/**
 * The folder's last change on the latest run's clock: a run's records carry its steady clock's
 * times and the files' mtimes the wall clock's, which part when the machine sleeps or the wall
 * clock steps during the run. Driven by an injected steady clock over scripted wall and
 * monotonic clocks; the estimate of an invocation whose end was never written follows the run's
 * clock, not the wall's.
 */
import { describe, expect, it } from 'vitest';
import { createSteadyClock } from '../util/steady-clock.js';
import { folderChangeOnRunClock } from './folder-change.js';
import { earlierAccounts } from './run-accounting.js';

const W0 = Date.parse('2024-05-01T12:00:00.000Z');
const MIN = 60_000;

/** A run's clocks: its steady clock over a wall clock and a monotonic clock the test moves. */
function clocks() {
  const at = { wall: W0, monotonic: 1_000 };
  const steady = createSteadyClock({ wallNow: () => at.wall, monotonicNow: () => at.monotonic });
  return {
    steady,
    wall: () => at.wall,
    /** Time passes, the machine awake. */
    pass: (ms: number) => {
      at.wall += ms;
      at.monotonic += ms;
    },
    /** The machine sleeps (the monotonic clock stands still), or the wall clock is set forward. */
    wallJump: (ms: number) => {
      at.wall += ms;
    },
  };
}

describe('folderChangeOnRunClock', () => {
  it("moves the mtimes onto the run's clock by the offset its latest record shows", () => {
    const c = clocks();
    const startedAt = c.steady.now();
    const specMtime = c.wall();
    c.pass(10 * MIN);
    const submittedAt = c.steady.now();
    c.wallJump(2 * 60 * MIN); // asleep for two hours, its invocation still out
    c.pass(3 * MIN);
    const retriedAt = c.steady.now(); // another invocation submitted after it woke
    const invocationsMtime = c.wall();
    c.pass(2 * MIN);
    const logMtime = c.wall(); // the functions' last output, then the job manager stops
    const files = [
      { mtimeMs: specMtime, lastRecordAt: startedAt },
      { mtimeMs: invocationsMtime, lastRecordAt: retriedAt },
      { mtimeMs: logMtime },
    ];
    expect(folderChangeOnRunClock(files)).toBe(c.steady.now());
    expect(folderChangeOnRunClock(files)).toBe(W0 + 15 * MIN);

    // The invocations whose ends were never written ran 5 and 2 minutes on the run's clock (the
    // wall clock's two hours more would have made the first one's the 15-minute timeout).
    const accounts = earlierAccounts({
      runs: [
        {
          run: 0,
          startedAt: new Date(startedAt).toISOString(),
          endedAt: null,
          splitsToRun: 1,
          splitsAlreadyDone: 0,
          workerIdPrefix: '',
        },
      ],
      lines: [
        { event: 'started', run: 0, workerId: 'w0', splitIds: ['0'], submittedAt, memoryMb: 1024 },
        { event: 'started', run: 0, workerId: 'w1', splitIds: ['1'], submittedAt: retriedAt, memoryMb: 1024 },
      ],
      splits: [],
      folderChangedAt: folderChangeOnRunClock(files),
      limits: { timeoutMs: 15 * MIN, maxConcurrency: 2 },
    });
    expect(accounts.invocations).toMatchObject([
      { startedAt: submittedAt, durationMs: 5 * MIN, estimated: true },
      { startedAt: retriedAt, durationMs: 2 * MIN, estimated: true },
    ]);
    expect(accounts.runs[0]?.lastSeenAt).toBe('2024-05-01T12:15:00.000Z');
  });

  it('takes the mtimes as they are when no record times them, and nothing for no file', () => {
    expect(folderChangeOnRunClock([{ mtimeMs: W0 }, { mtimeMs: W0 + MIN }])).toBe(W0 + MIN);
    expect(folderChangeOnRunClock([])).toBeUndefined();
  });

  it('a wall clock set back during the run: the changes after it are not lost', () => {
    const c = clocks();
    const startedAt = c.steady.now();
    const specMtime = c.wall();
    c.wallJump(-30 * MIN);
    c.pass(MIN);
    const splitEnd = c.steady.now();
    const splitsMtime = c.wall();
    c.pass(MIN);
    const resultsMtime = c.wall();
    const files = [
      { mtimeMs: specMtime, lastRecordAt: startedAt },
      { mtimeMs: splitsMtime, lastRecordAt: splitEnd },
      { mtimeMs: resultsMtime },
    ];
    expect(folderChangeOnRunClock(files)).toBe(c.steady.now());
  });
});
