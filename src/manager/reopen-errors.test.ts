import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InputResult } from '../core/prediction.js';
import { sizeRanges } from '../core/splitting.js';
import { RESULTS_FILE, SPLITS_FILE } from './output.js';
import {
  planReopen,
  recoverReopenedRecords,
  REOPEN_MARKER_FILE,
  REOPEN_NEW_SUFFIX,
  writeReopenedRecords,
} from './reopen-errors.js';
import type { SplitLogLine } from './result-sink.js';

const ok = (key: string): InputResult => ({ key, top: [{ class: 1, score: 0.9 }], error: null });
const passing = (key: string): InputResult => ({
  key,
  top: null,
  error: `cannot load '${key}': SlowDown (tried 2 times)`,
  errorKind: 'passing',
});
const permanent = (key: string): InputResult => ({
  key,
  top: null,
  error: 'no such key',
  errorKind: 'permanent',
});
const logLine = (splitId: string, inputs: number): SplitLogLine => ({
  splitId,
  inputs,
  ok: inputs,
  errors: 0,
  workerId: 'w0',
  attempt: 0,
  endedAt: 1,
  error: null,
});

// Six inputs in splits of two; split 1 holds a passing error, split 2 a permanent one.
const plan = sizeRanges(6, 2);
const lines = [ok('a'), ok('b'), ok('c'), passing('d'), permanent('e'), ok('f')];
// splits.jsonl in completion order.
const splits = [logLine('2', 2), logLine('0', 2), logLine('1', 2)];

describe('planReopen', () => {
  it("takes out the splits with a passing error, keeping the others' lines split by split", () => {
    const reopen = planReopen(plan, splits, lines);
    expect(reopen?.reopened).toEqual([{ splitId: '1', held: [ok('c'), passing('d')], open: [1] }]);
    expect(reopen?.splits.map((s) => s.splitId)).toEqual(['2', '0']);
    expect(reopen?.lines.map((l) => l.key)).toEqual(['e', 'f', 'a', 'b']);
  });

  it('finds nothing to do without a passing error, and refuses an embed job', () => {
    expect(planReopen(plan, splits, [...lines.slice(0, 3), ok('d'), ...lines.slice(4)])).toBeNull();
    const embedded: InputResult = { key: 'a', top: null, error: null, embedding: { dims: 4, row: 0 } };
    expect(() => planReopen(plan, splits, [embedded, ...lines.slice(1)])).toThrow(/embed job/);
  });
});

describe('writeReopenedRecords', () => {
  let dir: string;
  const text = (file: string) => readFile(path.join(dir, file), 'utf8');
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-reopen-'));
    await writeFile(path.join(dir, RESULTS_FILE), 'old results\n');
    await writeFile(path.join(dir, SPLITS_FILE), 'old splits\n');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('replaces both records and leaves nothing else behind', async () => {
    const reopen = planReopen(plan, splits, lines);
    if (!reopen) throw new Error('nothing to reopen');
    await writeReopenedRecords(dir, reopen);
    expect(
      (await text(RESULTS_FILE))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l).key),
    ).toEqual(['e', 'f', 'a', 'b']);
    expect((await text(SPLITS_FILE)).split('\n').filter(Boolean)).toHaveLength(2);
    expect((await readdir(dir)).sort()).toEqual([RESULTS_FILE, SPLITS_FILE]);
  });

  it('after a crash before the marker: the old records stay and the new ones go', async () => {
    await writeFile(path.join(dir, RESULTS_FILE + REOPEN_NEW_SUFFIX), 'new results\n');
    await writeFile(path.join(dir, SPLITS_FILE + REOPEN_NEW_SUFFIX), 'new spl'); // cut short
    await recoverReopenedRecords(dir);
    expect(await text(RESULTS_FILE)).toBe('old results\n');
    expect(await text(SPLITS_FILE)).toBe('old splits\n');
    expect((await readdir(dir)).sort()).toEqual([RESULTS_FILE, SPLITS_FILE]);
  });

  it('after a crash between the two renames: the marker finishes the swap', async () => {
    await writeFile(path.join(dir, RESULTS_FILE), 'new results\n'); // renamed already
    await writeFile(path.join(dir, SPLITS_FILE + REOPEN_NEW_SUFFIX), 'new splits\n');
    await writeFile(path.join(dir, REOPEN_MARKER_FILE), 'swap\n');
    await recoverReopenedRecords(dir);
    expect(await text(RESULTS_FILE)).toBe('new results\n');
    expect(await text(SPLITS_FILE)).toBe('new splits\n');
    expect((await readdir(dir)).sort()).toEqual([RESULTS_FILE, SPLITS_FILE]);
  });
});
