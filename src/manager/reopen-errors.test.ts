import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InputResult } from '../core/prediction.js';
import { sizeRanges } from '../core/splitting.js';
import { SpecError } from '../errors.js';
import { encodeVector } from '../protocol/vector-encoding.js';
import { writeVectorParquet } from '../util/parquet.js';
import { EMBEDDINGS_FILE, EMBEDDINGS_STAGING_FILE } from './embeddings-file.js';
import { RESULTS_FILE, SPLITS_FILE } from './output.js';
import {
  planReopen,
  recoverReopenedRecords,
  REOPEN_MARKER_FILE,
  REOPEN_NEW_SUFFIX,
  REOPENED_SPLITS_FILE,
  readReopenedSplits,
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

  it('finds nothing to do without a passing error', () => {
    expect(planReopen(plan, splits, [...lines.slice(0, 3), ok('d'), ...lines.slice(4)])).toBeNull();
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
    await writeReopenedRecords(dir, reopen, { embed: false });
    expect(
      (await text(RESULTS_FILE))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l).key),
    ).toEqual(['e', 'f', 'a', 'b']);
    expect((await text(SPLITS_FILE)).split('\n').filter(Boolean)).toHaveLength(2);
    expect(JSON.parse(await text(REOPENED_SPLITS_FILE))).toEqual(reopen.reopened[0]);
    expect((await readdir(dir)).sort()).toEqual([RESULTS_FILE, REOPENED_SPLITS_FILE, SPLITS_FILE]);
  });

  it('after a crash before the marker: the old records stay and the new ones go', async () => {
    await writeFile(path.join(dir, RESULTS_FILE + REOPEN_NEW_SUFFIX), 'new results\n');
    await writeFile(path.join(dir, SPLITS_FILE + REOPEN_NEW_SUFFIX), 'new spl'); // cut short
    await recoverReopenedRecords(dir);
    expect(await text(RESULTS_FILE)).toBe('old results\n');
    expect(await text(SPLITS_FILE)).toBe('old splits\n');
    expect((await readdir(dir)).sort()).toEqual([RESULTS_FILE, SPLITS_FILE]);
  });

  it('a marker beside new records that are not whole: refused, nothing changed', async () => {
    await writeFile(path.join(dir, SPLITS_FILE + REOPEN_NEW_SUFFIX), `${JSON.stringify(splits[0])}\n{"spl`);
    await writeFile(path.join(dir, REOPEN_MARKER_FILE), 'swap\n');
    await expect(recoverReopenedRecords(dir)).rejects.toThrow(
      /ends mid-line, but retry-errors\.swap says it is whole/,
    );
    expect(await text(SPLITS_FILE)).toBe('old splits\n');
    expect((await readdir(dir)).sort()).toEqual(
      [RESULTS_FILE, SPLITS_FILE + REOPEN_NEW_SUFFIX, REOPEN_MARKER_FILE, SPLITS_FILE].sort(),
    );
  });

  it('after a crash between the two renames: the marker finishes the swap', async () => {
    const newSplits = `${JSON.stringify(splits[0])}\n`;
    await writeFile(path.join(dir, RESULTS_FILE), 'new results\n'); // renamed already
    await writeFile(path.join(dir, SPLITS_FILE + REOPEN_NEW_SUFFIX), newSplits);
    await writeFile(path.join(dir, REOPEN_MARKER_FILE), 'swap\n');
    await recoverReopenedRecords(dir);
    expect(await text(RESULTS_FILE)).toBe('new results\n');
    expect(await text(SPLITS_FILE)).toBe(newSplits);
    expect((await readdir(dir)).sort()).toEqual([RESULTS_FILE, SPLITS_FILE]);
  });
});

describe('the swap, after a crash at each step once the marker is written', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-reopen-steps-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const swapped = [RESULTS_FILE, SPLITS_FILE, REOPENED_SPLITS_FILE, EMBEDDINGS_STAGING_FILE];
  /** What the folder holds, file by file. */
  const contents = async (): Promise<Record<string, string>> =>
    Object.fromEntries(
      await Promise.all(
        (await readdir(dir)).sort().map(async (f) => [f, await readFile(path.join(dir, f), 'utf8')] as const),
      ),
    );

  it('finishes the swap from every state the steps leave, to the same folder', async () => {
    // The steps after the marker: each new record renamed into place, the vectors file removed, the marker removed.
    const steps = swapped.length + 2;
    for (let done = 0; done <= steps; done++) {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir);
      for (const file of swapped) {
        await writeFile(path.join(dir, file), `old ${file}\n`);
        await writeFile(path.join(dir, file + REOPEN_NEW_SUFFIX), `new ${file}\n`);
      }
      await writeFile(path.join(dir, EMBEDDINGS_FILE), 'old vectors');
      await writeFile(path.join(dir, REOPEN_MARKER_FILE), 'swap\n');
      for (const [i, file] of swapped.entries())
        if (i < done) await rename(path.join(dir, file + REOPEN_NEW_SUFFIX), path.join(dir, file));
      if (done > swapped.length) await rm(path.join(dir, EMBEDDINGS_FILE));
      if (done > swapped.length + 1) await rm(path.join(dir, REOPEN_MARKER_FILE));
      // The records are placeholders, not lines of their schemas: the renames are under test.
      await recoverReopenedRecords(dir, { check: false });
      expect(await contents(), `crash after ${done} steps`).toEqual(
        Object.fromEntries(
          swapped.map((f) => [f, `new ${f}\n`]).sort(([a], [b]) => (a as string).localeCompare(b as string)),
        ),
      );
    }
  });
});

describe("an embed job's vectors through the swap", () => {
  let dir: string;
  const vectorOf = (key: string): Float32Array => Float32Array.of(key.charCodeAt(0), 0.25, -1);
  const embedded = (key: string, row: number): InputResult => ({
    key,
    top: null,
    error: null,
    embedding: { dims: 3, row },
  });
  // The rows in the order the splits finished (2, 0, 1): f, a, b, c; d and e are errors.
  const rows = ['f', 'a', 'b', 'c'];
  const embedLines = [
    embedded('a', 1),
    embedded('b', 2),
    embedded('c', 3),
    passing('d'),
    permanent('e'),
    embedded('f', 0),
  ];
  const writeRows = (keys: string[]): Promise<number> =>
    writeVectorParquet(path.join(dir, EMBEDDINGS_FILE), [{ keys, vectors: keys.map(vectorOf) }]);
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-reopen-embed-'));
    await writeFile(path.join(dir, RESULTS_FILE), 'old results\n');
    await writeFile(path.join(dir, SPLITS_FILE), 'old splits\n');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("stages the kept lines' vectors again, in their order and renumbered; the held lines carry theirs", async () => {
    await writeRows(rows);
    const reopen = planReopen(plan, splits, embedLines);
    if (!reopen) throw new Error('nothing to reopen');
    await writeReopenedRecords(dir, reopen, { embed: true });
    const results = (await readFile(path.join(dir, RESULTS_FILE), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(results).toEqual([permanent('e'), embedded('f', 0), embedded('a', 1), embedded('b', 2)]);
    const staged = (await readFile(path.join(dir, EMBEDDINGS_STAGING_FILE), 'utf8')).trim().split('\n');
    expect(staged.map((l) => JSON.parse(l))).toEqual(
      ['f', 'a', 'b'].map((key) => ({ key, vector: encodeVector(vectorOf(key)) })),
    );
    const held = JSON.parse(await readFile(path.join(dir, REOPENED_SPLITS_FILE), 'utf8'));
    expect(held).toEqual({
      splitId: '1',
      held: [{ key: 'c', top: null, error: null, vector: encodeVector(vectorOf('c')) }, passing('d')],
      open: [1],
    });
    // The old vectors file is not the new records': the run writes it again.
    expect((await readdir(dir)).sort()).toEqual([
      EMBEDDINGS_STAGING_FILE,
      RESULTS_FILE,
      REOPENED_SPLITS_FILE,
      SPLITS_FILE,
    ]);
  });

  it("refuses vectors that are not the lines', and leaves the records as they were", async () => {
    await writeRows(['f', 'b', 'a', 'c']);
    const reopen = planReopen(plan, splits, embedLines);
    if (!reopen) throw new Error('nothing to reopen');
    await expect(writeReopenedRecords(dir, reopen, { embed: true })).rejects.toThrow(
      `--retry-errors: ${path.join(dir, EMBEDDINGS_FILE)} row 1 holds the vector of "b", not of "a"; the job's vectors cannot be kept, nothing was changed`,
    );
    await writeVectorParquet(path.join(dir, EMBEDDINGS_FILE), [
      { keys: rows, vectors: rows.map(() => Float32Array.of(1, 2, 3, 4)) },
    ]);
    await expect(writeReopenedRecords(dir, reopen, { embed: true })).rejects.toThrow(
      /row 0 has 4 values, its line says 3/,
    );
    await rm(path.join(dir, EMBEDDINGS_FILE));
    await expect(writeReopenedRecords(dir, reopen, { embed: true })).rejects.toThrow(
      /embeddings\.parquet is missing/,
    );
    expect(await readFile(path.join(dir, RESULTS_FILE), 'utf8')).toBe('old results\n');
    expect((await readdir(dir)).sort()).toEqual([RESULTS_FILE, SPLITS_FILE]);
  });
});

describe('readReopenedSplits', () => {
  let dir: string;
  const keys = lines.map((l) => l.key);
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-reopened-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('gives the splits taken out that are not written yet; none without the file', async () => {
    expect(await readReopenedSplits(dir, plan, keys, new Set())).toEqual([]);
    const one = { splitId: '1', held: [ok('c'), passing('d')], open: [1] };
    const other = { splitId: '2', held: [passing('e'), ok('f')], open: [0] };
    await writeFile(
      path.join(dir, REOPENED_SPLITS_FILE),
      `${JSON.stringify(one)}\n${JSON.stringify(other)}\n`,
    );
    expect(await readReopenedSplits(dir, plan, keys, new Set(['0']))).toEqual([one, other]);
    expect(await readReopenedSplits(dir, plan, keys, new Set(['2']))).toEqual([one]);
  });

  it('refuses a line that is not a split of the plan, naming the file and the line', async () => {
    const file = path.join(dir, REOPENED_SPLITS_FILE);
    const wrongKeys = { splitId: '1', held: [ok('x'), passing('d')], open: [1] };
    const unknown = { splitId: '7', held: [passing('d')], open: [0] };
    await writeFile(file, `${JSON.stringify(wrongKeys)}\n${JSON.stringify(unknown)}\n`);
    const refused = await readReopenedSplits(dir, plan, keys, new Set()).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(SpecError);
    expect((refused as SpecError).issues).toEqual([
      { path: `${file}:1: held`, message: "not the lines of split '1' (its 2 inputs from 2, in order)" },
      { path: `${file}:2: splitId`, message: "no split '7' in the job's plan" },
    ]);
    await writeFile(file, `${JSON.stringify({ splitId: '1', held: [ok('c'), ok('d')], open: [1] })}\n`);
    await expect(readReopenedSplits(dir, plan, keys, new Set())).rejects.toThrow(/open/);
  });
});
