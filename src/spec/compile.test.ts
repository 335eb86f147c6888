import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpecError } from '../errors.js';
import { compileJobSpec, nameFromInputs, timestampForName } from './compile.js';
import { parseDurationMs } from '../util/duration.js';
import { closestName } from '../util/suggest.js';
import { specErrorOf } from '../../test/support/spec-error.js';
import { MAX_WORKERS } from '../protocol/limits.js';

const context = { cores: 8, now: new Date('2024-05-01T12:34:56.789Z'), cwd: '/work/here' };

const issuesOf = (options: unknown): SpecError['issues'] =>
  specErrorOf(() => compileJobSpec(options, context)).issues;

describe('compileJobSpec', () => {
  it('applies defaults, resolves paths and carries units in names', () => {
    const spec = compileJobSpec(
      { inputs: 'data/manifest.txt', model: 'tiny', backend: { type: 'local', maxConcurrency: 2 } },
      context,
    );
    expect(spec.inputs).toBe(path.resolve('/work/here', 'data/manifest.txt'));
    expect(spec.model).toEqual({ uri: 'tiny' });
    expect(spec.name).toBe('data');
    expect(spec.backend).toEqual({ type: 'local', maxConcurrency: 2, memoryMb: 3008, timeoutMs: 900_000 });
    expect(spec.splitSize).toBe(32);
    expect(spec.maxRetries).toBe(1);
    expect(spec.workers).toBeUndefined();
    expect(spec.dispatch).toEqual({ type: 'static' });
    expect(spec.pipeline.topK).toBe(5);
    expect(spec.topKSource).toBeUndefined();
    // Threads are left to the job plan (the function's vCPUs), not the manager's 8 cores.
    expect(spec.autoThreads).toBe(true);
    expect(spec.pipeline.predict.intraOpThreads).toBe(1);
    expect(spec.outDir).toBe(path.join('/work/here', 'obifaas-out', 'data-20240501-123456'));
    expect(spec.prices.usdPerGbSecond).toBe(1.6667e-5);
  });

  it('refuses topK and labels for an embed job, which reports no classes', () => {
    expect(
      issuesOf({ inputs: '/d', model: 'tiny', task: { kind: 'embed' }, topK: 3, labels: 'l.txt' }),
    ).toEqual([
      { path: 'topK', message: 'a setting of classify tasks; this task is embed' },
      { path: 'labels', message: 'class names are for classify tasks; this task is embed' },
    ]);
    const classify = compileJobSpec(
      { inputs: '/d', model: 'tiny', task: { kind: 'classify' }, topK: 3 },
      context,
    );
    expect(classify.pipeline.topK).toBe(3);
    // Where top-k was set, for the check against the model's task when the job starts.
    expect(classify.topKSource).toBe('job spec');
    expect(compileJobSpec({ inputs: '/d', model: 'tiny', task: { kind: 'embed' } }, context).task).toEqual({
      kind: 'embed',
    });
  });

  it('keeps explicit values and parses durations', () => {
    const spec = compileJobSpec(
      {
        name: 'x1',
        inputs: '/d',
        model: 'm/model.onnx',
        labels: 'labels.txt',
        workers: 4,
        splitSize: 8,
        maxRetries: 0,
        topK: 3,
        backend: { type: 'local', timeout: '90s', memoryMb: 1769 },
        pipeline: { predict: { batchSize: 8, intraOpThreads: 1 } },
        out: 'o',
        prices: { arch: 'arm64' },
      },
      context,
    );
    expect(spec.model).toEqual({ uri: '/work/here/m/model.onnx', labelsUri: '/work/here/labels.txt' });
    expect(spec.backend.timeoutMs).toBe(90_000);
    expect(spec.backend.maxConcurrency).toBe(8);
    expect(spec.pipeline.predict).toMatchObject({ batchSize: 8, intraOpThreads: 1 });
    expect(spec.autoThreads).toBe(false);
    expect(spec.pipeline.load.concurrency).toBeGreaterThan(0);
    expect(spec.outDir).toBe('/work/here/o');
    expect(spec.prices.arch).toBe('arm64');
    expect(spec).toMatchObject({ workers: 4, splitSize: 8, maxRetries: 0 });
  });

  it('reports every problem at once, each with its field path', () => {
    const issues = issuesOf({
      workers: 0,
      splitSize: 'big',
      backend: { type: 'local', maxConcurrency: -1 },
      topK: 2.5,
    });
    const paths = issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(['workers', 'splitSize', 'topK', 'inputs', 'model', 'backend.maxConcurrency']),
    );
    expect(issues.find((i) => i.path === 'workers')?.message).toMatch(/>= 1, got 0/);
    expect(issues.find((i) => i.path === 'splitSize')?.message).toMatch(/got 'big'/);
  });

  it('refuses more workers than a job may have', () => {
    const issues = issuesOf({ inputs: 'a', model: 'tiny', workers: MAX_WORKERS + 1 });
    expect(issues.find((i) => i.path === 'workers')?.message).toBe(
      `expected at most ${MAX_WORKERS}, got ${MAX_WORKERS + 1}`,
    );
  });

  it('rejects unknown keys with the closest known one', () => {
    const issues = issuesOf({
      inputs: 'a',
      model: 'tiny',
      splitsize: 3,
      pipeline: { predict: { batchsize: 2 } },
      backend: { type: 'local', maxConcurency: 2 },
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'splitsize', message: "unknown key; did you mean 'splitSize'?" },
        { path: 'pipeline.predict.batchsize', message: "unknown key; did you mean 'batchSize'?" },
        { path: 'backend.maxConcurency', message: "unknown key; did you mean 'maxConcurrency'?" },
      ]),
    );
    expect(issuesOf({ inputs: 'a', model: 'tiny', zzzzzz: 1 })[0]?.message).toMatch(
      /unknown key; expected one of: inputs, model, labels, name, /,
    );
  });

  it('names unknown backends and modes', () => {
    const issues = issuesOf({ inputs: 'a', model: 'tiny', backend: { type: 'lokal' }, mode: 'dynamc' });
    expect(issues).toContainEqual({
      path: 'backend.type',
      message: "unknown backend 'lokal'; did you mean 'local'? expected one of: local, lambda, http",
    });
    expect(issues.find((i) => i.path === 'mode')?.message).toMatch(
      /unknown mode 'dynamc'; did you mean 'dynamic'\?/,
    );
    expect(
      issuesOf({ inputs: 'a', model: 'tiny', mode: 'fast' }).find((i) => i.path === 'mode')?.message,
    ).toMatch(/unknown mode 'fast'/);
  });

  it('never takes a name inherited from Object.prototype for a backend, mode or storage', () => {
    const issues = issuesOf({
      inputs: 'a',
      model: 'tiny',
      backend: { type: 'constructor' },
      mode: 'toString',
      storage: { type: 'constructor', root: '/' },
    });
    expect(issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      "storage.type: expected one of 'fs', 's3', got 'constructor'",
      "backend.type: unknown backend 'constructor'; expected one of: local, lambda, http",
      "mode: unknown mode 'toString'; expected one of: static, dynamic",
    ]);
  });

  it('refuses prototype keys before any rule runs', () => {
    const options = JSON.parse(
      '{"inputs":"a","model":"tiny","backend":{"__proto__":{"type":"lambda"}}}',
    ) as unknown;
    expect(issuesOf(options)).toEqual([
      { path: 'backend.__proto__', message: "the key '__proto__' is refused at any level" },
    ]);
  });

  it('rejects a bad timeout and a non-object spec', () => {
    expect(
      issuesOf({ inputs: 'a', model: 'tiny', backend: { type: 'local', timeout: 'soon' } })[0],
    ).toMatchObject({ path: 'backend.timeout' });
    expect(issuesOf('hello')[0]?.path).toBe('(top level)');
  });

  it('takes only an http(s) endpoint for S3 and for Lambda', () => {
    const lambda = { type: 'lambda', endpoint: 'ftp://lambda' };
    expect(issuesOf({ inputs: 'a', model: 'tiny', s3: { endpoint: 'ftp://host' }, backend: lambda })).toEqual(
      [
        { path: 's3.endpoint', message: "expected an http:// or https:// URL, got 'ftp://host'" },
        { path: 'backend.endpoint', message: "expected an http:// or https:// URL, got 'ftp://lambda'" },
      ],
    );
  });
});

describe('helpers', () => {
  it('parses durations', () => {
    expect(parseDurationMs('90s')).toEqual({ ms: 90_000 });
    expect(parseDurationMs('15m')).toEqual({ ms: 900_000 });
    expect(parseDurationMs('250ms')).toEqual({ ms: 250 });
    expect(parseDurationMs(2)).toEqual({ ms: 2000 });
    expect(parseDurationMs('0s')).toHaveProperty('error');
    expect(parseDurationMs('-1')).toHaveProperty('error');
  });
  it('suggests close names only', () => {
    expect(closestName('wrokers', ['workers', 'splitSize'])).toBe('workers');
    expect(closestName('split_size', ['workers', 'splitSize'])).toBe('splitSize');
    expect(closestName('colour', ['workers', 'splitSize'])).toBeUndefined();
  });
  it('derives names and timestamps', () => {
    expect(nameFromInputs('/data/cats dogs/')).toBe('cats-dogs');
    expect(nameFromInputs('/data/set1/manifest.txt')).toBe('set1');
    expect(nameFromInputs('/manifest.txt')).toBe('job');
    expect(nameFromInputs('s3://my-data/photos/manifest.txt')).toBe('photos');
    expect(nameFromInputs('s3://my-data/set1/')).toBe('set1');
    expect(nameFromInputs('s3://my-data/manifest.txt')).toBe('my-data');
    expect(timestampForName(new Date('2024-05-01T02:03:04Z'))).toBe('20240501-020304');
  });
});
