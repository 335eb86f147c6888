/**
 * Fuzzing of the trace CSV reader: mutants of traces (quotes, CRLF, a byte-order mark, a quote
 * left open, odd header case) and random bytes. It returns rows a day can be simulated and
 * reported from, or a `UserError`; never another error.
 */
import { describe, expect, it } from 'vitest';
import { fuzz, mutantAt, mutants, outcome } from '../../test/support/fuzz.js';
import { UserError } from '../errors.js';
import { formatTimestamp, parseTimestamp } from './timestamp.js';
import { MAX_TRACE_JOB_IMAGES, parseTraceCsv } from './trace-csv.js';

const csv =
  'STARTED,ds_id,n_images_ds,other\n2024-03-01T10:00:00Z,ds1,120,x\n"2024-03-01 10:05:30.5+01:00",ds2,7,"q,""uoted"\n1709287200,ds3,1,\n';
const samples = [
  Buffer.from(csv),
  Buffer.from(`\uFEFF${csv.replace(/\n/g, '\r\n')}`),
  Buffer.from(' started , DS_ID ,N_IMAGES_DS\n2024-03-01,a,3\n"unclosed,b,4\n'),
];

describe('parseTraceCsv on mutated and random text', () => {
  it('returns rows that can be simulated and reported, or refuses with UserError', async () => {
    const seen = { read: 0, refused: 0 };
    await fuzz(mutants(samples, 1, 1200), (bytes) => {
      const text = Buffer.from(bytes).toString('utf8');
      const parsed = outcome(() => parseTraceCsv(text, { source: 'trace.csv' }), [UserError]);
      if ('error' in parsed) {
        expect(parsed.error.message).toMatch(/^trace\.csv(:\d+)?: /);
        seen.refused++;
        return;
      }
      seen.read++;
      const lines = text.split(/\r\n|\r|\n/);
      const { rows, malformed } = parsed.value;
      expect(rows.length).toBeGreaterThan(0);
      rows.forEach((row, i) => {
        expect(formatTimestamp(row.startedAtMs)).toMatch(/Z$/);
        if (i > 0) expect(row.startedAtMs).toBeGreaterThanOrEqual((rows[i - 1] as typeof row).startedAtMs);
        expect(Number.isInteger(row.images) && row.images >= 1 && row.images <= MAX_TRACE_JOB_IMAGES).toBe(
          true,
        );
        expect(row.datasetId).toBe(row.datasetId.trim());
        expect(row.datasetId).not.toBe('');
      });
      for (const { line } of [...rows, ...malformed]) {
        expect(Number.isInteger(line) && line >= 1 && line <= lines.length).toBe(true);
        expect(lines[line - 1]?.trim()).not.toBe('');
      }
    });
    expect(seen.read).toBeGreaterThan(300);
    expect(seen.refused).toBeGreaterThan(300);
  });

  it('reads a timestamp only within the range of a Date', async () => {
    await fuzz(
      mutants([Buffer.from('2024-03-01T10:05:30.123+01:00'), Buffer.from('1709287200.5')], 2, 2000),
      (bytes) => {
        const ms = parseTimestamp(Buffer.from(bytes).toString('utf8'));
        if (ms !== null) expect(formatTimestamp(ms)).toMatch(/Z$/);
      },
    );
  });

  // A case the loop above found, kept as it was found: after a quoted field holding a CRLF,
  // rows were named by csv-parse's count of lines, which counts that CRLF twice.
  it('names the line a row starts on after a quoted CRLF (seed 1 case 468)', () => {
    const { bytes } = mutantAt(samples, 1, 468);
    const trace = parseTraceCsv(Buffer.from(bytes).toString('utf8'), { source: 'trace.csv' });
    expect(trace.malformed.map((m) => m.line)).toEqual([3, 6]);
    const crlf = 'STARTED,ds_id,n_images_ds\r\n2024-03-01,"a\r\nb",1\r\nnot a time,c,2\r\n\r\n"open,d,3\r\n';
    expect(parseTraceCsv(crlf).malformed).toEqual([
      { line: 4, message: "STARTED: expected a timestamp (ISO 8601, or Unix seconds), got 'not a time'" },
      { line: 6, message: 'quoted field never closed (the rest of the file was ignored)' },
    ]);
  });

  // A case the loop above found, kept as it was found: Unix seconds past the range of a Date
  // made a row whose start `trace check` could not print (RangeError: Invalid time value).
  it('refuses Unix seconds no Date holds (seed 1 case 1012)', () => {
    const { bytes } = mutantAt(samples, 1, 1012);
    const trace = parseTraceCsv(Buffer.from(bytes).toString('utf8'), { source: 'trace.csv' });
    expect(trace.malformed.map((m) => m.message)).toContainEqual(
      "STARTED: expected a timestamp (ISO 8601, or Unix seconds), got '17092872087200'",
    );
    expect(parseTimestamp('8640000000000')).toBe(8.64e15);
    expect(parseTimestamp('8640000000001')).toBeNull();
    expect(parseTimestamp('9'.repeat(400))).toBeNull();
  });
});
