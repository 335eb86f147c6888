import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAMBDA_PRICES } from '../core/pricing.js';
import { SpecError } from '../errors.js';
import { loadProfile, parseProfile } from './profile.js';

const good = { memoryMb: 3008, splitSize: 32, secondsPerSplit: 8, initSeconds: 5, concurrencyLimit: 1000 };

describe('parseProfile', () => {
  it('fills defaults and converts the split time to seconds per image', () => {
    expect(parseProfile(good, 'p.json')).toEqual({
      name: 'p.json',
      memoryMb: 3008,
      splitSize: 32,
      secondsPerImage: 0.25,
      perSplitOverheadSeconds: 0,
      initSeconds: 5,
      concurrencyLimit: 1000,
      keepWarmSeconds: 0,
      serviceTimeCv: 0,
      prices: LAMBDA_PRICES.x86_64,
    });
    const rate = parseProfile({
      ...good,
      secondsPerSplit: undefined,
      imagesPerSecondPerWorker: 5,
      prices: { arch: 'arm64' },
    });
    expect(rate.secondsPerImage).toBeCloseTo(0.2, 12);
    expect(rate.prices).toEqual(LAMBDA_PRICES.arm64);
  });

  it('names every missing or bad field at once', () => {
    let error: unknown;
    try {
      parseProfile({ memoryMb: 3008.5, splitSize: 0, initSeconds: 'fast', speed: 3 }, 'p.json');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).issues.map((i) => i.path).sort()).toEqual([
      'concurrencyLimit',
      'initSeconds',
      'memoryMb',
      'secondsPerSplit',
      'speed',
      'splitSize',
    ]);
    expect((error as SpecError).message).toBe(
      'invalid profile p.json: memoryMb: expected an integer from 128 to 10240, got 3008.5; ' +
        'splitSize: expected an integer >= 1, got 0; ' +
        "initSeconds: expected a number >= 0, got 'fast'; " +
        'concurrencyLimit: missing: expected an integer >= 1; ' +
        'speed: unknown key; expected one of: $schema, name, memoryMb, splitSize, secondsPerSplit, imagesPerSecondPerWorker, perSplitOverheadSeconds, initSeconds, concurrencyLimit, keepWarmSeconds, serviceTimeCv, prices, worker, notes; ' +
        'secondsPerSplit: missing (or give imagesPerSecondPerWorker)',
    );
  });

  it('rejects both service-time forms together, bad prices, and non-objects', () => {
    expect(() => parseProfile({ ...good, imagesPerSecondPerWorker: 4 })).toThrow(/not both/);
    expect(() => parseProfile({ ...good, prices: { usdPerGbSecond: -1 } })).toThrow(
      'prices.usdPerGbSecond: expected a number >= 0, got -1',
    );
    expect(() => parseProfile([], 'x')).toThrow(
      'invalid profile x: (top level): expected an object, got an empty list',
    );
    expect(() => parseProfile({ ...good, initSecond: 5 }, 'x')).toThrow(
      "invalid profile x: initSecond: unknown key; did you mean 'initSeconds'?",
    );
  });

  it('loadProfile reports unreadable files and bad JSON with the file name', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-profile-'));
    try {
      const file = path.join(dir, 'p.json');
      await writeFile(file, '{ not json');
      await expect(loadProfile(file)).rejects.toThrow(/p\.json: not valid JSON at line 1, column 3/);
      await expect(loadProfile(path.join(dir, 'none.json'))).rejects.toThrow(
        /--profile: cannot read '.*none\.json': no such file/,
      );
      await writeFile(file, JSON.stringify(good));
      expect((await loadProfile(file)).memoryMb).toBe(3008);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the shipped example profile is valid', async () => {
    const file = path.resolve(import.meta.dirname, '..', '..', 'profiles', 'lambda-resnet50-3008.json');
    const profile = await loadProfile(file);
    expect(profile.memoryMb).toBe(3008);
  });
});
