import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { parseCsv } from './csv.js';
import { parseTimestamp } from './timestamp.js';
import { malformedSummary, parseTraceCsv, readTraceCsv } from './trace-csv.js';

describe('parseCsv', () => {
  it('reads quoted fields, doubled quotes, commas and line breaks inside quotes, CRLF, and a BOM', () => {
    const text = '\ufeffa,b,c\r\n"x, y","say ""hi""",3\r\n\r\n"multi\nline",,last\n';
    expect(parseCsv(text)).toEqual({
      records: [
        { line: 1, fields: ['a', 'b', 'c'] },
        { line: 2, fields: ['x, y', 'say "hi"', '3'] },
        { line: 4, fields: ['multi\nline', '', 'last'] },
      ],
      unterminated: null,
    });
  });

  it('reports an unclosed quote with its line', () => {
    expect(parseCsv('a\n"open,1\n2\n').unterminated).toBe(2);
  });
});

describe('parseTimestamp', () => {
  it('accepts ISO date-times with T or space, fractions, zones; naive means UTC; numbers are Unix seconds', () => {
    const utc = Date.UTC(2024, 4, 14, 10, 23, 45, 120);
    expect(parseTimestamp('2024-05-14T10:23:45.12Z')).toBe(utc);
    expect(parseTimestamp('2024-05-14 10:23:45.120')).toBe(utc);
    expect(parseTimestamp('2024-05-14 12:23:45.120+02:00')).toBe(utc);
    expect(parseTimestamp('2024-05-14')).toBe(Date.UTC(2024, 4, 14));
    expect(parseTimestamp('1715682225.5')).toBe(1715682225500);
  });

  it('rejects what is not a timestamp, including impossible dates', () => {
    for (const bad of ['', 'yesterday', '2024-13-01', '2024-02-30 10:00', '2024-05-14 25:00', '14/05/2024'])
      expect(parseTimestamp(bad), bad).toBeNull();
  });
});

const HEADER = 'JOB,STARTED,ds_id,n_images_ds,notes';

describe('parseTraceCsv', () => {
  it('reads the schema, ignores extra columns, handles quotes and CRLF, sorts by start', () => {
    const text = [
      HEADER,
      '1,2024-05-14 10:00:05,ds-b,"1200","late, but listed first"',
      '2,2024-05-14 10:00:00,ds-a,200,',
      '3,2024-05-14 10:00:05,ds-c,7,tie keeps file order',
    ].join('\r\n');
    const trace = parseTraceCsv(text, { source: 'day.csv' });
    expect(trace.malformed).toEqual([]);
    expect(trace.rows.map((r) => [r.line, r.datasetId, r.images])).toEqual([
      [3, 'ds-a', 200],
      [2, 'ds-b', 1200],
      [4, 'ds-c', 7],
    ]);
    expect(trace.rows[0]?.startedAtMs).toBe(Date.UTC(2024, 4, 14, 10, 0, 0));
  });

  it('matches column names regardless of case and spaces, in any order', () => {
    const trace = parseTraceCsv(' N_IMAGES_DS , Started ,DS_ID\n5,2024-01-01T00:00:00Z,x\n');
    expect(trace.rows).toEqual([{ line: 2, startedAtMs: Date.UTC(2024, 0, 1), datasetId: 'x', images: 5 }]);
  });

  const bad = [
    HEADER,
    '1,2024-05-14 10:00:00,ds-a,10,ok',
    '2,not-a-date,ds-a,10,',
    '3,2024-05-14 10:00:01,ds-a,-4,',
    '4,2024-05-14 10:00:02,ds-a,ten,',
    '5,2024-05-14 10:00:03,ds-a',
    '6,2024-05-14 10:00:04,ds-a,2.5,',
    '7,,ds-a,0,',
    '8,2024-05-14 10:00:05,,3,',
    '9,2024-05-14 10:00:06,ds-a,3,ok too',
  ].join('\n');

  it('skips and counts every kind of malformed row, each with its line number', () => {
    const trace = parseTraceCsv(bad, { source: 'day.csv' });
    expect(trace.rows.map((r) => r.line)).toEqual([2, 10]);
    expect(trace.malformed).toEqual([
      { line: 3, message: "STARTED: not a timestamp: 'not-a-date'" },
      { line: 4, message: 'n_images_ds: negative: -4' },
      { line: 5, message: "n_images_ds: not a number: 'ten'" },
      { line: 6, message: 'missing column(s) n_images_ds' },
      { line: 7, message: 'n_images_ds: not a whole number: 2.5' },
      { line: 8, message: 'STARTED is empty, n_images_ds: 0 images (a job needs at least 1)' },
      { line: 9, message: 'ds_id is empty' },
    ]);
    expect(malformedSummary(trace)).toMatch(/^day\.csv: skipped 7 malformed row\(s\): line 3: STARTED/);
  });

  it('strict makes malformed rows fatal, listing them with line numbers', () => {
    expect(() => parseTraceCsv(bad, { source: 'day.csv', strict: true })).toThrow(UserError);
    expect(() => parseTraceCsv(bad, { source: 'day.csv', strict: true })).toThrow(
      /^day\.csv: 7 malformed row\(s\): line 3: .*line 4: n_images_ds: negative: -4; .*line 9: ds_id is empty$/,
    );
  });

  it('gives clear errors for an empty file, a header alone, a header without the columns, and no valid row', () => {
    expect(() => parseTraceCsv('', { source: 't.csv' })).toThrow(/^t\.csv: empty trace/);
    expect(() => parseTraceCsv('\n\n', { source: 't.csv' })).toThrow(/^t\.csv: empty trace/);
    expect(() => parseTraceCsv(`${HEADER}\n`, { source: 't.csv' })).toThrow(
      't.csv: the trace has no jobs (only a header)',
    );
    expect(() => parseTraceCsv('STARTED,size\n', { source: 't.csv' })).toThrow(
      't.csv:1: header lacks column(s) ds_id, n_images_ds (found: STARTED, size)',
    );
    expect(() => parseTraceCsv('STARTED,ds_id,n_images_ds\nx,a,1\n', { source: 't.csv' })).toThrow(
      /^t\.csv: no valid jobs; 1 malformed row\(s\): line 2:/,
    );
  });

  it('reports an unclosed quote as a malformed row', () => {
    const trace = parseTraceCsv('STARTED,ds_id,n_images_ds\n2024-01-01,a,1\n2024-01-01,"b,2\n');
    expect(trace.rows.length).toBe(1);
    expect(trace.malformed).toEqual([
      { line: 3, message: 'quoted field never closed (the rest of the file was ignored)' },
    ]);
  });

  it('readTraceCsv names the file it cannot read', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-trace-'));
    try {
      const file = path.join(dir, 'day.csv');
      await writeFile(file, 'STARTED,ds_id,n_images_ds\n2024-01-01,a,1\n');
      expect((await readTraceCsv(file)).rows.length).toBe(1);
      await expect(readTraceCsv(path.join(dir, 'missing.csv'))).rejects.toThrow(
        /missing\.csv: cannot read the trace/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
