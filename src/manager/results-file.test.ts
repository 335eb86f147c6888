import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderByInputs, readResultLines, sortResultsFile } from './results-file.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-results-file-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const line = (key: string, n: number): string =>
  JSON.stringify({ key, top: [{ class: n, score: 0.5 }], error: null });

describe('results in input order', () => {
  it('places each line at its key, a repeated key taking its occurrences in file order', () => {
    const keys = ['a', 'b', 'a', 'c'];
    const lines = ['c1', 'a1', 'x1', 'b1', 'a2', 'a3'];
    expect(orderByInputs(keys, lines, (l) => l[0]!)).toEqual(['a1', 'b1', 'a2', 'c1', 'x1', 'a3']);
  });

  it('rewrites a file in input order, keeping every line byte for byte', async () => {
    const file = path.join(dir, 'results.jsonl');
    const keys = ['k0', 'k1', 'k2', 'k3'];
    const written = [
      line('k2', 2),
      line('k0', 0),
      JSON.stringify({ key: 'k3', top: null, error: 'boom' }),
      line('k1', 1),
    ];
    await writeFile(file, written.map((l) => `${l}\n`).join(''));
    await sortResultsFile(file, keys);
    const text = await readFile(file, 'utf8');
    expect(text.split('\n').filter(Boolean)).toEqual([written[1], written[3], written[0], written[2]]);
  });

  it('reads lines with their problems named', async () => {
    const file = path.join(dir, 'bad.jsonl');
    await writeFile(file, `${line('a', 1)}\nnot json\n{"key": 3, "top": null, "error": null}\n\n[]\n`);
    const read = [];
    for await (const l of readResultLines(file)) read.push(l);
    expect(read).toEqual([
      { line: 1, result: { key: 'a', top: [{ class: 1, score: 0.5 }], error: null } },
      { line: 2, problem: 'not valid JSON' },
      { line: 3, problem: 'key: expected a string, got 3' },
      { line: 5, problem: '(top level): expected an object, got an empty list' },
    ]);
  });
});
