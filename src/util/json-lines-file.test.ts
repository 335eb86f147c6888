import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamJsonLines, type StreamedJsonLine } from './json-lines-file.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-json-lines-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function streamed(text: string): Promise<StreamedJsonLine[]> {
  const file = path.join(dir, `f-${Math.random().toString(36).slice(2)}.jsonl`);
  await writeFile(file, text);
  const lines: StreamedJsonLine[] = [];
  for await (const line of streamJsonLines(file)) lines.push(line);
  return lines;
}

describe('streamJsonLines', () => {
  it('parses each line that is not blank, numbering lines as the file does', async () => {
    expect(await streamed('{"key":"a"}\n\n  \r\n[1,2]\r\n"x"')).toEqual([
      { line: 1, text: '{"key":"a"}', value: { key: 'a' } },
      { line: 4, text: '[1,2]', value: [1, 2] },
      { line: 5, text: '"x"', value: 'x' },
    ]);
  });

  it('gives a line that is not JSON with its problem, and goes on', async () => {
    expect(await streamed('{"key":\n{"key":"b"}\n')).toEqual([
      { line: 1, text: '{"key":', problem: 'not valid JSON' },
      { line: 2, text: '{"key":"b"}', value: { key: 'b' } },
    ]);
  });

  it('reads an empty file as no lines, and stops reading when the caller does', async () => {
    expect(await streamed('')).toEqual([]);
    const file = path.join(dir, 'many.jsonl');
    await writeFile(file, Array.from({ length: 1000 }, (_, i) => `{"i":${i}}\n`).join(''));
    const first: unknown[] = [];
    for await (const line of streamJsonLines(file)) {
      if ('value' in line) first.push(line.value);
      if (first.length === 2) break;
    }
    expect(first).toEqual([{ i: 0 }, { i: 1 }]);
  });
});
