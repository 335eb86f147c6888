import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { diurnalIntensity, formatTraceCsv, generateTrace } from './trace-gen.js';
import { parseTraceCsv } from './trace-csv.js';

describe('generateTrace', () => {
  const rows = generateTrace({ jobs: 10_000, seed: 7 });

  it('sizes are heavy-tailed: median about 200, some jobs past 10,000, none past the cap', () => {
    const sizes = rows.map((r) => r.images).sort((a, b) => a - b);
    const median = sizes[sizes.length / 2] as number;
    expect(median).toBeGreaterThan(180);
    expect(median).toBeLessThan(220);
    expect(sizes.filter((s) => s > 10_000).length).toBeGreaterThan(5);
    expect(sizes[sizes.length - 1]).toBeLessThanOrEqual(100_000);
    expect(sizes[0]).toBeGreaterThanOrEqual(1);
  });

  it('arrivals are diurnal: many more jobs at mid-morning than at 3 am, all within the day', () => {
    const perHour = new Array<number>(24).fill(0);
    const day = Date.UTC(2024, 0, 15);
    for (const r of rows) {
      expect(r.startedAtMs).toBeGreaterThanOrEqual(day);
      expect(r.startedAtMs).toBeLessThan(day + 86_400_000);
      perHour[Math.floor((r.startedAtMs - day) / 3_600_000)]! += 1;
    }
    expect(perHour[10]!).toBeGreaterThan(5 * perHour[3]!);
    expect(perHour[12]!).toBeGreaterThan(3 * perHour[3]!);
    expect(perHour[3]!).toBeGreaterThan(0);
    expect(diurnalIntensity(10.5)).toBeGreaterThan(diurnalIntensity(13));
  });

  it('is deterministic from the seed, sorted, and round-trips through the CSV reader', () => {
    const a = formatTraceCsv(generateTrace({ jobs: 50, seed: 3, date: '2023-06-01' }));
    expect(formatTraceCsv(generateTrace({ jobs: 50, seed: 3, date: '2023-06-01' }))).toBe(a);
    expect(formatTraceCsv(generateTrace({ jobs: 50, seed: 4, date: '2023-06-01' }))).not.toBe(a);
    const parsed = parseTraceCsv(a);
    expect(parsed.malformed).toEqual([]);
    expect(parsed.rows).toEqual(generateTrace({ jobs: 50, seed: 3, date: '2023-06-01' }));
    expect(a.startsWith('STARTED,ds_id,n_images_ds\n2023-06-01T')).toBe(true);
  });

  it('rejects bad options with the flag name', () => {
    expect(() => generateTrace({ jobs: 0 })).toThrow(UserError);
    expect(() => generateTrace({ jobs: 1, date: '2024-02-30' })).toThrow(/--date/);
    expect(() => generateTrace({ jobs: 1, seed: 1.5 })).toThrow(/--seed/);
  });
});
