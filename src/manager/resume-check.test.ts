/** A job folder's records against its plan, built in memory. */
import { describe, expect, it } from 'vitest';
import type { InputResult } from '../core/prediction.js';
import { sizeRanges } from '../core/splitting.js';
import type { SplitLogLine } from './result-sink.js';
import { checkResumeRecords, checkRuns } from './resume-check.js';

const keys = Array.from({ length: 10 }, (_, i) => `img${i}.jpg`);
/** Splits of 4: ids 0 (img0-3), 1 (img4-7), 2 (img8-9). */
const plan = sizeRanges(keys.length, 4);

const ok = (key: string): InputResult => ({ key, top: [{ class: 1, score: 0.9 }], error: null });
const failed = (key: string): InputResult => ({ key, top: null, error: 'boom' });
const log = (splitId: string, inputs: number, good: number, bad = 0): SplitLogLine => ({
  splitId,
  inputs,
  ok: good,
  errors: bad,
  workerId: 'w0',
  attempt: 0,
  endedAt: 1,
  error: null,
});

function check(splits: SplitLogLine[], results: InputResult[], inputs: readonly string[] = keys) {
  return checkResumeRecords({
    plan,
    keys: inputs,
    splits: { file: 'splits.jsonl', records: splits, lines: splits.map((_, i) => i + 1) },
    results: { file: 'results.jsonl', records: results, lines: results.map((_, i) => i + 1) },
  });
}

describe('checkResumeRecords', () => {
  it('accepts splits whose lines are their inputs in any order, and counts the lines they own', () => {
    const results = [
      ...keys.slice(4, 8).reverse().map(ok),
      ...keys.slice(0, 2).map(ok),
      ...keys.slice(2, 4).map(failed),
    ];
    // Lines of a split never logged (img8) are not owned, and are left for the caller to cut.
    expect(check([log('1', 4, 4), log('0', 4, 2, 2)], [...results, ok('img8.jpg')])).toEqual({
      issues: [],
      owned: 8,
    });
  });

  it('refuses ids the plan does not have, a split logged twice and a size the plan does not give', () => {
    const { issues } = check([log('0', 4, 4), log('7', 4, 4), log('0', 4, 4), log('2', 3, 3)], keys.map(ok));
    expect(issues).toEqual([
      {
        path: 'splits.jsonl:2: splitId',
        message: "'7' is not a split of the job's plan (3 splits, ids 0 to 2)",
      },
      { path: 'splits.jsonl:3: splitId', message: "split '0' is logged already, at line 1" },
      { path: 'splits.jsonl:4: inputs', message: "expected 2 (the split's size in the job's plan), got 3" },
    ]);
  });

  it('refuses counts that do not add up to the lines, or do not match them', () => {
    expect(check([log('0', 4, 3)], keys.slice(0, 4).map(ok)).issues).toEqual([
      {
        path: 'splits.jsonl:1: ok + errors',
        message: "expected 4 (the split's inputs that get a line), got 3",
      },
    ]);
    // A fake line turning predictions into errors.
    expect(check([log('0', 4, 0, 4)], keys.slice(0, 4).map(ok)).issues).toEqual([
      { path: 'splits.jsonl:1: ok', message: "expected 4 (the split's lines with a prediction), got 0" },
    ]);
    expect(check([log('0', 4, 4), log('1', 4, 4)], keys.slice(0, 6).map(ok)).issues).toEqual([
      {
        path: 'results.jsonl',
        message: 'has 6 complete lines, but the splits logged up to splits.jsonl:2 own 8',
      },
    ]);
  });

  it("refuses a split's lines holding a key that is not its input, or one twice", () => {
    const bogus = [ok('img0.jpg'), ok('bogus.jpg'), ok('img2.jpg'), ok('img3.jpg')];
    expect(check([log('0', 4, 4)], bogus).issues).toEqual([
      {
        path: 'results.jsonl:2: key',
        message: `"bogus.jpg" is not an input of split '0' (splits.jsonl:1) or is there twice; it is the only one`,
      },
    ]);
    // A fake "done" line for split 1 over split 0's lines.
    expect(check([log('1', 4, 4)], keys.slice(0, 4).map(ok)).issues[0]).toEqual({
      path: 'results.jsonl:1: key',
      message: `"img0.jpg" is not an input of split '1' (splits.jsonl:1) or is there twice; 4 of its 4 lines are`,
    });
    const twice = [ok('img0.jpg'), ok('img0.jpg'), ok('img2.jpg'), ok('img3.jpg')];
    expect(check([log('0', 4, 4)], twice).issues.map((i) => i.path)).toEqual(['results.jsonl:2: key']);
  });

  it('refuses a split logged by a run the job never had, and runs out of order', () => {
    const late = { ...log('0', 4, 4), run: 2 };
    const records = {
      plan,
      runs: 2,
      keys,
      splits: { file: 'splits.jsonl', records: [late], lines: [1] },
      results: { file: 'results.jsonl', records: keys.slice(0, 4).map(ok), lines: [1, 2, 3, 4] },
    };
    expect(checkResumeRecords(records).issues).toEqual([
      { path: 'splits.jsonl:1: run', message: 'expected a run of the job (0 to 1), got 2' },
    ]);
    expect(
      checkRuns('job.spec.json', [
        { run: 0, workerIdPrefix: '' },
        { run: 1, workerIdPrefix: 'r1.' },
      ]),
    ).toEqual([]);
    expect(
      checkRuns('job.spec.json', [
        { run: 0, workerIdPrefix: '' },
        { run: 3, workerIdPrefix: 'r1.' },
      ]),
    ).toEqual([{ path: 'job.spec.json: runs[1].run', message: 'expected 1, got 3' }]);
    expect(checkRuns('job.spec.json', [{ run: 0, workerIdPrefix: 'w' }])).toEqual([
      { path: 'job.spec.json: runs[0].workerIdPrefix', message: "expected '', got 'w'" },
    ]);
  });

  it('expects one line per occurrence of a repeated key, as the job writes them', () => {
    // img0 twice: in split 0 and split 1; whichever split is logged first writes its line first.
    const inputs = ['a', 'b', 'c', 'd', 'a', 'f', 'g', 'h', 'i', 'j'];
    const first = [ok('a'), ok('f'), ok('g'), ok('h')];
    expect(check([log('1', 4, 4)], first, inputs)).toEqual({ issues: [], owned: 4 });
    const both = [...['a', 'b', 'c', 'd'].map(ok), ...['a', 'f', 'g', 'h'].map(ok)];
    expect(check([log('0', 4, 4), log('1', 4, 4)], both, inputs)).toEqual({ issues: [], owned: 8 });
  });
});
