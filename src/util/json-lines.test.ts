import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { MAX_LISTED_ISSUES } from '../errors.js';
import { readJsonLinesFile, repairJsonLinesTail } from './json-lines-file.js';
import { parseJsonLines } from './json-lines.js';
import { specErrorOf } from '../../test/support/spec-error.js';

const record = z.strictObject({ id: z.int().min(0), name: z.string() });
const line = (id: number, name = 'é'): string => `${JSON.stringify({ id, name })}\n`;

describe('parseJsonLines', () => {
  it('reads records with their line numbers and byte ends, skipping blank lines', () => {
    const text = `${line(0)}\n   \n${line(1)}`;
    const content = parseJsonLines(text, record, { source: 'r.jsonl' });
    expect(content.records).toEqual([
      { id: 0, name: 'é' },
      { id: 1, name: 'é' },
    ]);
    expect(content.lines).toEqual([1, 4]);
    // 'é' is two bytes: the ends are byte offsets, not character offsets.
    expect(content.ends).toEqual([Buffer.byteLength(line(0)), Buffer.byteLength(text)]);
    expect(content).toMatchObject({ partial: null, unterminated: false });
  });

  it('reports a torn last line by its byte offset, and reads a whole one without its newline', () => {
    const torn = parseJsonLines(`${line(0)}{"id":1,"na`, record, { source: 'r.jsonl' });
    expect(torn.records).toHaveLength(1);
    expect(torn.partial).toEqual({ offset: Buffer.byteLength(line(0)), bytes: 11 });
    const whole = parseJsonLines(`${line(0)}${line(1).trimEnd()}`, record, { source: 'r.jsonl' });
    expect(whole.records).toHaveLength(2);
    expect(whole).toMatchObject({ partial: null, unterminated: true });
  });

  it('names the file, line, field, what was expected and what was found, for every bad line', () => {
    const text = `${line(0)}not json\n{"id":-1,"name":"x"}\n{"id":2,"nmae":"y"}\n${line(3)}`;
    const err = specErrorOf(() => parseJsonLines(text, record, { source: 'r.jsonl', what: 'bad rows' }));
    expect(err.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'r.jsonl:2: not valid JSON',
      'r.jsonl:3: id: expected a number >= 0, got -1',
      'r.jsonl:4: name: missing: expected a string',
      "r.jsonl:4: nmae: unknown key; did you mean 'name'?",
    ]);
    expect(err.message).toMatch(/^bad rows in r\.jsonl \(3 bad lines\): r\.jsonl:2: not valid JSON; /);
  });

  it('sums up a file of many bad lines in one line', () => {
    const text = Array.from({ length: 500 }, (_, i) => `{"id":"${i}","name":"n"}\n`).join('');
    const err = specErrorOf(() => parseJsonLines(text, record, { source: 'big.jsonl' }));
    expect(err.issues).toHaveLength(500);
    expect(err.message).not.toContain('\n');
    expect(err.message).toMatch(/^bad records in big\.jsonl \(500 bad lines\): big\.jsonl:1: id: /);
    expect(err.message).toMatch(new RegExp(`; and ${500 - MAX_LISTED_ISSUES} more$`));
  });

  it('runs a check over the accepted records, and refuses prototype keys', () => {
    const check = (r: { id: number }, before: number) =>
      r.id === before ? [] : [{ path: 'id', message: `expected ${before}, got ${r.id}` }];
    const err = specErrorOf(() =>
      parseJsonLines(`${line(0)}${line(5)}{"id":1,"name":"a","__proto__":{}}\n`, record, {
        source: 's.jsonl',
        check,
      }),
    );
    expect(err.issues).toEqual([
      { path: 's.jsonl:2: id', message: 'expected 1, got 5' },
      { path: 's.jsonl:3: __proto__', message: "the key '__proto__' is refused at any level" },
    ]);
  });
});

describe('JSON-lines files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-jsonl-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads an absent file as empty, cuts a torn last line, and ends a whole one with its newline', async () => {
    const file = path.join(dir, 'x.jsonl');
    expect((await readJsonLinesFile(file, record)).records).toEqual([]);
    await writeFile(file, `${line(0)}{"id":`);
    const torn = await readJsonLinesFile(file, record);
    await repairJsonLinesTail(file, torn);
    expect(await readFile(file, 'utf8')).toBe(line(0));
    await writeFile(file, `${line(0)}${line(1).trimEnd()}`);
    const whole = await readJsonLinesFile(file, record);
    await repairJsonLinesTail(file, whole);
    expect(whole.records).toHaveLength(2);
    expect(await readFile(file, 'utf8')).toBe(line(0) + line(1));
  });

  it('names the file in its messages', async () => {
    const file = path.join(dir, 'y.jsonl');
    await writeFile(file, '{"id":"a","name":"b"}\n');
    await expect(readJsonLinesFile(file, record)).rejects.toThrow(
      `${file}:1: id: expected a number, got 'a'`,
    );
    await expect(readJsonLinesFile(dir, record)).rejects.toThrow(/cannot read '.*': EISDIR/);
  });
});
