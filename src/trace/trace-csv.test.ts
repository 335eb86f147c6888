import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { parseTimestamp } from './timestamp.js';
import { malformedSummary, MAX_TRACE_JOB_IMAGES, parseTraceCsv, readTraceCsv } from './trace-csv.js';

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
    const images = `expected a whole number of images from 1 to ${MAX_TRACE_JOB_IMAGES}`;
    expect(trace.malformed).toEqual([
      { line: 3, message: "STARTED: expected a timestamp (ISO 8601, or Unix seconds), got 'not-a-date'" },
      { line: 4, message: `n_images_ds: ${images}, got '-4'` },
      { line: 5, message: `n_images_ds: ${images}, got 'ten'` },
      { line: 6, message: 'n_images_ds: missing column' },
      { line: 7, message: `n_images_ds: ${images}, got '2.5'` },
      {
        line: 8,
        message: `STARTED: expected a timestamp (ISO 8601, or Unix seconds), got '', n_images_ds: ${images}, got '0'`,
      },
      { line: 9, message: 'ds_id: expected a dataset id, got nothing' },
    ]);
    expect(malformedSummary(trace)).toMatch(/^day\.csv: skipped 7 malformed row\(s\): line 3: STARTED/);
  });

  it('refuses a job too large to simulate: 1e308 images is a malformed row, not a hang', () => {
    const trace = parseTraceCsv(
      `STARTED,ds_id,n_images_ds\n2024-01-01,a,1e308\n2024-01-01,b,${MAX_TRACE_JOB_IMAGES + 1}\n2024-01-01,c,${MAX_TRACE_JOB_IMAGES}\n`,
    );
    expect(trace.rows.map((r) => r.images)).toEqual([MAX_TRACE_JOB_IMAGES]);
    expect(trace.malformed.map((m) => m.line)).toEqual([2, 3]);
    expect(trace.malformed[0]?.message).toMatch(
      /n_images_ds: expected a whole number of images from 1 to 10000000, got '1e308'/,
    );
  });

  it('sums up many malformed rows in one line', () => {
    const lines = Array.from({ length: 300 }, (_, i) => `2024-01-01,ds,${i % 2 ? -1 : 'x'}`);
    const text = `STARTED,ds_id,n_images_ds\n${lines.join('\n')}\n`;
    expect(() => parseTraceCsv(text, { source: 't.csv', strict: true })).toThrow(
      /^t\.csv: 300 malformed row\(s\): line 2: .*; line 11: [^;]*; and 290 more$/,
    );
  });

  it('strict makes malformed rows fatal, listing them with line numbers', () => {
    expect(() => parseTraceCsv(bad, { source: 'day.csv', strict: true })).toThrow(UserError);
    expect(() => parseTraceCsv(bad, { source: 'day.csv', strict: true })).toThrow(
      /^day\.csv: 7 malformed row\(s\): line 3: .*line 4: n_images_ds: expected a whole number of images from 1 to 10000000, got '-4'; .*line 9: ds_id: expected a dataset id, got nothing$/,
    );
  });

  it('gives clear errors for an empty file, a header alone, a header without the columns, and no valid row', () => {
    expect(() => parseTraceCsv('', { source: 't.csv' })).toThrow(/^t\.csv: empty trace/);
    expect(() => parseTraceCsv('\n\n', { source: 't.csv' })).toThrow(/^t\.csv: empty trace/);
    // A JPEG given as the trace: one line, not its bytes as header fields.
    const jpeg = Buffer.from([
      0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01,
    ]).toString('utf8');
    expect(() => parseTraceCsv(jpeg, { source: 't.csv' })).toThrow(
      /^t\.csv: not a text file \(it holds NUL bytes\); a trace is CSV text with the columns STARTED, ds_id, n_images_ds$/,
    );
    expect(() => parseTraceCsv(`${HEADER}\n`, { source: 't.csv' })).toThrow(
      't.csv: the trace has no jobs (only a header)',
    );
    expect(() => parseTraceCsv('STARTED,size\n', { source: 't.csv' })).toThrow(
      't.csv:1: header lacks column(s) ds_id, n_images_ds (found: STARTED, size)',
    );
    expect(() => parseTraceCsv('STARTD,dsid,n_images_ds,other\n', { source: 't.csv' })).toThrow(
      "t.csv:1: header lacks column(s) STARTED, ds_id (found: STARTD, dsid, n_images_ds, other); did you mean 'STARTED' for 'STARTD', 'ds_id' for 'dsid'?",
    );
    expect(() => parseTraceCsv('STARTED,ds_id,n_images_ds\nx,a,1\n', { source: 't.csv' })).toThrow(
      /^t\.csv: no valid jobs; 1 malformed row\(s\): line 2:/,
    );
  });

  it('reads quoted fields, doubled quotes, line breaks inside quotes, CRLF and a byte-order mark', () => {
    const text =
      '\ufeffSTARTED,ds_id,n_images_ds,note\r\n2024-01-01,"a, b",3,"say ""hi"""\r\n\r\n' +
      '2024-01-02,"multi\nline",4,\r\n  ,  \n2024-01-03,c,5,x\n';
    const trace = parseTraceCsv(text);
    expect(trace.malformed).toEqual([]);
    expect(trace.rows.map((r) => [r.line, r.datasetId, r.images])).toEqual([
      [2, 'a, b', 3],
      [4, 'multi\nline', 4],
      [7, 'c', 5],
    ]);
  });

  it('reports an unclosed quote as a malformed row, on the line where it opens', () => {
    const trace = parseTraceCsv('STARTED,ds_id,n_images_ds\n2024-01-01,a,1\n\n2024-01-01,"b,2\n3\n');
    expect(trace.rows.length).toBe(1);
    expect(trace.malformed).toEqual([
      { line: 4, message: 'quoted field never closed (the rest of the file was ignored)' },
    ]);
  });

  it('readTraceCsv names the file it cannot read', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-trace-'));
    try {
      const file = path.join(dir, 'day.csv');
      await writeFile(file, 'STARTED,ds_id,n_images_ds\n2024-01-01,a,1\n');
      expect((await readTraceCsv(file)).rows.length).toBe(1);
      await expect(readTraceCsv(path.join(dir, 'missing.csv'))).rejects.toThrow(
        /missing\.csv: cannot read the trace: it does not exist$/,
      );
      // A FIFO is refused at once: reading it would wait for a writer forever.
      const fifo = path.join(dir, 'fifo.csv');
      execFileSync('mkfifo', [fifo]);
      await expect(readTraceCsv(fifo)).rejects.toThrow(
        /fifo\.csv: cannot read the trace: it is a FIFO \(named pipe\)$/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
