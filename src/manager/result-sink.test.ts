import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InputResult } from '../core/prediction.js';
import { JsonlLog } from './output.js';
import { ResultSink } from './result-sink.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-sink-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function openSink(keys: string[]): Promise<{ sink: ResultSink; lines: () => Promise<InputResult[]> }> {
  const results = await JsonlLog.open(path.join(dir, 'results.jsonl'));
  const splits = await JsonlLog.open(path.join(dir, 'splits.jsonl'));
  const sink = new ResultSink(results, splits, keys, 0, () => 1);
  const lines = async (): Promise<InputResult[]> => {
    await results.close();
    await splits.close();
    const text = await readFile(path.join(dir, 'results.jsonl'), 'utf8');
    return text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as InputResult);
  };
  return { sink, lines };
}

const ok = (key: string): InputResult => ({ key, top: [{ class: 1, score: 0.9 }], error: null });

describe('ResultSink', () => {
  it('writes one line per input position when keys repeat across splits', async () => {
    const keys = ['a', 'b', 'c', 'a', 'b', 'c', 'a'];
    const { sink, lines } = await openSink(keys);
    await sink.splitDone(
      { splitId: '0', results: keys.slice(0, 3).map(ok), endedAt: 1, winner: 0, error: null },
      'w0',
    );
    await sink.splitDone(
      { splitId: '1', results: keys.slice(3, 6).map(ok), endedAt: 1, winner: 0, error: null },
      'w1',
    );
    // Split 2 (the last 'a') never finished: it is closed with an error line.
    const closed = await sink.finishUnwritten([{ splitId: '*', keys }], 'cancelled');
    expect(closed).toBe(1);
    expect(sink.counts()).toEqual({ ok: 6, errors: 1, written: 7 });
    const written = await lines();
    expect(written.map((l) => l.key)).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
    expect(written.at(-1)?.error).toBe('cancelled');
  });

  it('never writes more lines for a key than it occurs in the inputs', async () => {
    const { sink, lines } = await openSink(['a', 'b']);
    await sink.splitDone(
      { splitId: '0', results: [ok('a'), ok('b')], endedAt: 1, winner: 0, error: null },
      'w0',
    );
    await sink.splitDone({ splitId: '1', results: [ok('a')], endedAt: 1, winner: 0, error: null }, 'w1');
    expect(await sink.finishUnwritten([{ splitId: '*', keys: ['a', 'b'] }], 'stopped')).toBe(0);
    expect((await lines()).length).toBe(2);
  });
});
