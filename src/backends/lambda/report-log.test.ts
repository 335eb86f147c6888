import { describe, expect, it } from 'vitest';
import { decodeLogTail, handlerBilledMs, parseReport } from './report-log.js';

const cold =
  'START RequestId: 6f1c Version: $LATEST\n' +
  '2024-05-01T12:00:00.000Z\t6f1c\tINFO\tloading model\n' +
  'END RequestId: 6f1c\n' +
  'REPORT RequestId: 6f1c\tDuration: 1234.56 ms\tBilled Duration: 1235 ms\tMemory Size: 3008 MB\tMax Memory Used: 412 MB\tInit Duration: 870.12 ms\t\n';

describe('REPORT line parsing', () => {
  it('reads every figure of a cold start', () => {
    expect(parseReport(cold)).toEqual({
      requestId: '6f1c',
      durationMs: 1234.56,
      billedDurationMs: 1235,
      memorySizeMb: 3008,
      maxMemoryUsedMb: 412,
      initDurationMs: 870.12,
    });
  });

  it('has no init duration on a warm start, and takes the last REPORT line', () => {
    const warm = `${cold}REPORT RequestId: 7a2d\tDuration: 10.01 ms\tBilled Duration: 11 ms\tMemory Size: 1769 MB\tMax Memory Used: 90 MB\t\n`;
    const report = parseReport(warm);
    expect(report?.requestId).toBe('7a2d');
    expect(report?.durationMs).toBe(10.01);
    expect(report?.initDurationMs).toBeUndefined();
  });

  it('is not confused by SnapStart restore fields or spaces instead of tabs', () => {
    const line =
      'REPORT RequestId: x Duration: 5.00 ms Billed Duration: 6 ms Memory Size: 128 MB Max Memory Used: 60 MB Restore Duration: 300.00 ms Billed Restore Duration: 120 ms';
    expect(parseReport(line)).toMatchObject({ durationMs: 5, billedDurationMs: 6, maxMemoryUsedMb: 60 });
  });

  it('returns undefined for a tail without REPORT (truncated or none)', () => {
    expect(parseReport('START RequestId: 1\nsome output\n')).toBeUndefined();
    expect(parseReport('')).toBeUndefined();
  });

  it('decodes a base64 tail', () => {
    expect(parseReport(decodeLogTail(Buffer.from(cold).toString('base64')))?.billedDurationMs).toBe(1235);
    expect(decodeLogTail(undefined)).toBe('');
  });
});

describe('billed handler time', () => {
  it('uses Billed Duration when it excludes init', () => {
    expect(handlerBilledMs({ durationMs: 1234.56, billedDurationMs: 1235, initDurationMs: 870 }, 0)).toBe(
      1235,
    );
  });

  it('takes init out when Billed Duration includes it', () => {
    expect(handlerBilledMs({ durationMs: 100.2, billedDurationMs: 971, initDurationMs: 870.12 }, 0)).toBe(
      101,
    );
  });

  it('falls back to the measured time without a report', () => {
    expect(handlerBilledMs({}, 41.2)).toBe(42);
  });
});
