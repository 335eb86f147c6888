/**
 * Fuzzing of the JSON-lines readers of a job folder: mutants of a `results.jsonl` (LF, CRLF,
 * blank lines, a torn last line) and random bytes. `parseJsonLines` returns consistent content
 * or a `SpecError`; the streaming reader (results export and sorting) reads the same lines as
 * records, with the same numbers; a repaired tail is read back whole.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as z from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzz, mutantAt, mutants, outcome } from '../../test/support/fuzz.js';
import { SpecError } from '../errors.js';
import { inputResultSchema } from '../protocol/result-schema.js';
import { parseJsonLines, type JsonLinesContent } from './json-lines.js';
import { repairJsonLinesTail, streamJsonLines, type StreamedJsonLine } from './json-lines-file.js';

const results = [
  { key: 'a.jpg', top: [{ label: 'cat', classIndex: 1, score: 0.5 }], error: null },
  { key: 'b ü.jpg', top: null, error: 'cannot decode image: bad' },
  { key: 'c.jpg', top: null, error: null, vector: 'AACAPwAAAEA=' },
];
const text = `${results.map((r) => JSON.stringify(r)).join('\n')}\n`;
const samples = [
  Buffer.from(text),
  Buffer.from(text.replace(/\n/g, '\r\n')),
  Buffer.from(`\n\n${text}{"key":`),
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-json-lines-fuzz-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let streams = 0;
/**
 * What the streaming reader reads of `bytes`, from a file of its own: a test that timed out on a
 * loaded machine goes on in the background and must not write the file another test reads.
 */
async function streamed(bytes: Uint8Array): Promise<StreamedJsonLine[]> {
  const file = path.join(dir, `streamed-${streams++}.jsonl`);
  await writeFile(file, bytes);
  const lines: StreamedJsonLine[] = [];
  for await (const line of streamJsonLines(file)) lines.push(line);
  await rm(file);
  return lines;
}

/** What any content must be: one line number and end per record, in order, in the text. */
function expectConsistent(content: JsonLinesContent<unknown>, bytes: Uint8Array): void {
  expect(content.lines).toHaveLength(content.records.length);
  expect(content.ends).toHaveLength(content.records.length);
  content.ends.forEach((end, i) => {
    expect(end).toBeGreaterThan(i === 0 ? 0 : (content.ends[i - 1] as number));
    expect(end).toBeLessThanOrEqual(bytes.length);
    const last = i === content.ends.length - 1;
    if (!(last && content.unterminated)) expect(bytes[end - 1]).toBe(0x0a);
  });
  if (content.partial) {
    expect(content.partial.offset + content.partial.bytes).toBe(bytes.length);
    expect(bytes.subarray(content.partial.offset).includes(0x0a)).toBe(false);
  }
}

describe('JSON-lines readers on mutated and random bytes', () => {
  it('parse consistently or refuse with SpecError, and the stream reads the same records', async () => {
    const seen = { read: 0, refused: 0 };
    await fuzz(mutants(samples, 1, 400), async (bytes) => {
      outcome(() => parseJsonLines(bytes, inputResultSchema, { source: 'results.jsonl' }), [SpecError]);
      const parsed = outcome(() => parseJsonLines(bytes, z.unknown(), { source: 'f' }), [SpecError]);
      const stream = await streamed(bytes);
      const problems = stream.filter((l) => 'problem' in l).map((l) => l.line);
      if ('error' in parsed) {
        seen.refused++;
        const badLines = (parsed.error as SpecError).issues.map((i) => Number(/^f:(\d+)$/.exec(i.path)?.[1]));
        expect(badLines).toEqual(problems.slice(0, badLines.length));
        return;
      }
      seen.read++;
      const content = parsed.value;
      expectConsistent(content, bytes);
      const records = stream.flatMap((l) => ('value' in l ? [[l.line, l.value]] : []));
      expect(records).toEqual(content.records.map((r, i) => [content.lines[i], r]));
      // The one line the stream cannot read is a torn last line.
      expect(problems.length).toBe(content.partial ? 1 : 0);
    });
    expect(seen.read).toBeGreaterThan(100);
    expect(seen.refused).toBeGreaterThan(100);
  });

  it('reads a repaired tail back whole: every record, no torn line, a final newline', async () => {
    let repairs = 0;
    await fuzz(mutants(samples, 2, 150), async (bytes) => {
      const file = path.join(dir, `repaired-${repairs++}.jsonl`);
      const parsed = outcome(() => parseJsonLines(bytes, z.unknown(), { source: 'f' }), [SpecError]);
      if ('error' in parsed) return;
      await writeFile(file, bytes);
      await repairJsonLinesTail(file, parsed.value);
      const again = parseJsonLines(await readFile(file), z.unknown(), { source: 'f' });
      expect(again.records).toEqual(parsed.value.records);
      expect([again.partial, again.unterminated]).toEqual([null, false]);
    });
  });

  // Cases the loop above found, kept as they were found: the stream took a lone CR for a line
  // end (as `readline` does), so it read records `--resume` did not, under other line numbers.
  it('splits lines at LF only, as parseJsonLines does (seed 2 case 753, seed 3 case 859)', async () => {
    for (const [seed, index] of [
      [2, 753],
      [3, 859],
    ] as const) {
      const { bytes } = mutantAt(samples, seed, index);
      const content = parseJsonLines(bytes, z.unknown(), { source: 'f' });
      const records = (await streamed(bytes)).flatMap((l) => ('value' in l ? [[l.line, l.value]] : []));
      expect(records).toEqual(content.records.map((r, i) => [content.lines[i], r]));
    }
    expect(await streamed(Buffer.from('{"a":1}\r{"b":2}\r\n\r\n"c"'))).toEqual([
      { line: 1, text: '{"a":1}\r{"b":2}', problem: 'not valid JSON' },
      { line: 3, text: '"c"', value: 'c' },
    ]);
  });
});
