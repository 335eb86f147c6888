import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpecError } from '../errors.js';
import { useTempDir } from '../../test/support/temp-dir.js';
import { layerFromEnv, layerFromFlags, mergeLayers } from './layers.js';
import { gatherJobOptions, resolveJobSpec } from './resolve.js';

const temp = useTempDir('obifaas-config-');

describe('layering', () => {
  it('flags > config file > environment > defaults', async () => {
    const config = path.join(temp.path, 'c.yaml');
    await writeFile(config, 'workers: 3\nsplitSize: 7\nbackend:\n  type: local\n  memoryMb: 2048\n');
    const env = {
      OBIFAAS_WORKERS: '5',
      OBIFAAS_SPLIT_SIZE: '9',
      OBIFAAS_TOP_K: '2',
      OBIFAAS_MAX_CONCURRENCY: '3',
    };
    const merged = await gatherJobOptions({
      flags: { workers: '4' },
      configFile: config,
      env,
      base: { topK: 1, maxRetries: 2 },
    });
    expect(merged.options).toMatchObject({ workers: 4, splitSize: 7, topK: 2, maxRetries: 2 });
    expect(merged.options.backend).toEqual({ type: 'local', memoryMb: 2048, maxConcurrency: 3 });
    expect(merged.sources.get('workers')).toBe('--workers');
    expect(merged.sources.get('splitSize')).toBe(config);
    expect(merged.sources.get('topK')).toBe('environment OBIFAAS_TOP_K');
  });

  it('takes the config file from $OBIFAAS_CONFIG when --config is absent', async () => {
    const config = path.join(temp.path, 'env.json');
    await writeFile(config, '{ "workers": 6 }');
    const merged = await gatherJobOptions({ env: { OBIFAAS_CONFIG: config } });
    expect(merged.options.workers).toBe(6);
  });

  it('drops a lower layer backend of another type', () => {
    const merged = mergeLayers([
      { source: 'file', values: { backend: { type: 'lambda', region: 'eu-west-1' } } },
      { source: 'flags', values: { backend: { type: 'local' } } },
    ]);
    expect(merged.options.backend).toEqual({ type: 'local' });
    expect(merged.sources.has('backend.region')).toBe(false);
  });

  it('converts flag and environment strings, reporting bad ones by name', () => {
    const issues: { path: string; message: string }[] = [];
    const env = layerFromEnv(
      { OBIFAAS_WORKERS: 'many', OBIFAAS_TIMEOUT: '2m', OBIFAAS_MODEL: 'tiny' },
      issues,
    );
    expect(env.values).toEqual({ backend: { timeout: '2m' }, model: 'tiny' });
    const flags = layerFromFlags({ splitSize: '1.5', batchSize: '8', maxConcurrency: 2 }, issues);
    expect(flags.values).toEqual({ pipeline: { predict: { batchSize: 8 } }, backend: { maxConcurrency: 2 } });
    expect(issues).toEqual([
      { path: 'OBIFAAS_WORKERS (environment)', message: "expected an integer, got 'many'" },
      { path: '--split-size', message: "expected an integer, got '1.5'" },
    ]);
  });

  it('says where a bad value came from', async () => {
    const err = await resolveJobSpec({ flags: { input: 'x', model: 'tiny', workers: '0' }, env: {} }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).message).toMatch(/workers \(from --workers\): expected an integer >= 1, got 0/);
  });

  it('says how to give a required setting that no source gave', async () => {
    const err = await resolveJobSpec({ flags: { model: 'tiny' }, env: {} }).catch((e: unknown) => e);
    expect((err as SpecError).message).toBe(
      "invalid job spec: inputs: missing (a manifest file or a folder of images); give --input MANIFEST_OR_DIR, OBIFAAS_INPUTS or 'inputs:' in a config file",
    );
    // A message that says how already is not told twice.
    const http = await resolveJobSpec({
      flags: { input: 'x', model: 'tiny', backend: 'http' },
      env: {},
    }).catch((e: unknown) => e);
    expect((http as SpecError).message).toMatch(/^invalid job spec: backend\.url: missing: .*--url URL/);
    expect((http as SpecError).message).not.toContain('give --url');
  });

  it('is the message the README quotes for --workers 0', async () => {
    const readme = await readFile(path.resolve(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    const quoted = /When a value is bad, [^`]*`([^`]+)`/.exec(readme)?.[1];
    expect(quoted).toMatch(/^workers \(from --workers\): /);
    const err = await resolveJobSpec({ flags: { input: 'x', model: 'tiny', workers: '0' }, env: {} }).catch(
      (e: unknown) => e,
    );
    expect((err as SpecError).message).toContain(quoted);
  });
});

describe('every problem at once', () => {
  it('lists bad flag values with the rules the merged options break, each naming its flag', async () => {
    const err = await resolveJobSpec({
      flags: {
        input: 'x',
        model: 'tiny',
        workers: '0',
        splitSize: 'abc',
        topK: '-1',
        batchSize: 'x',
        memory: '1',
        timeout: 'zz',
      },
      env: { OBIFAAS_MAX_RETRIES: 'lots' },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).issues.map((i) => i.path)).toEqual([
      'OBIFAAS_MAX_RETRIES (environment)',
      '--split-size',
      '--timeout',
      '--batch-size',
      'workers (from --workers)',
      'topK (from --top-k)',
      'backend.memoryMb (from --memory)',
    ]);
  });

  it("names the config file's problems with their lines beside the flags', once each", async () => {
    const config = path.join(temp.path, 'bad.yaml');
    await writeFile(config, 'workers: 0\nsplitsize: 3\nbackend:\n  type: local\n  memoryMb: 1\n');
    const err = await resolveJobSpec({
      flags: { input: 'x', model: 'tiny', topK: '-1' },
      configFile: config,
      env: {},
    }).catch((e: unknown) => e);
    expect((err as SpecError).issues).toEqual([
      { path: `workers (${config}, line 1)`, message: 'expected an integer >= 1, got 0' },
      { path: `splitsize (${config}, line 2)`, message: "unknown key; did you mean 'splitSize'?" },
      { path: 'topK (from --top-k)', message: 'expected an integer from 1 to 1000, got -1' },
      {
        path: `backend.memoryMb (${config}, line 5)`,
        message: 'expected an integer from 128 to 10240, got 1',
      },
    ]);
    // The file's problems alone keep the file's name in front.
    const alone = await resolveJobSpec({
      flags: { input: 'x', model: 'tiny' },
      configFile: config,
      env: {},
    }).catch((e: unknown) => e);
    expect((alone as SpecError).message).toMatch(/^invalid job spec: workers \(.*bad\.yaml, line 1\)/);
    await writeFile(config, 'workers: 0\n');
    const only = await resolveJobSpec({
      flags: { input: 'x', model: 'tiny' },
      configFile: config,
      env: {},
    }).catch((e: unknown) => e);
    expect((only as SpecError).message).toBe(
      `invalid config file ${config}: workers (line 1): expected an integer >= 1, got 0`,
    );
  });

  it('names the line of a misspelt backend key, which the rules over the merged settings find', async () => {
    const config = path.join(temp.path, 'backend-typo.yaml');
    await writeFile(config, 'inputs: x\nmodel: tiny\nbackend:\n  type: local\n  maxConcurency: 4\n');
    const err = await resolveJobSpec({ flags: {}, configFile: config, env: {} }).catch((e: unknown) => e);
    expect((err as SpecError).message).toBe(
      `invalid job spec: backend.maxConcurency (${config}, line 5): unknown key; did you mean 'maxConcurrency'?`,
    );
  });

  it("lists a config file's problems in the order of its lines", async () => {
    const config = path.join(temp.path, 'typos.yaml');
    await writeFile(config, 'inputs: x\nmodel: tiny\nworkres: 2\ntask:\n  kind: embed\n  ouput: y\n');
    const err = await resolveJobSpec({ flags: {}, configFile: config, env: {} }).catch((e: unknown) => e);
    expect((err as SpecError).message).toBe(
      `invalid config file ${config}: workres (line 3): unknown key; did you mean 'workers'?; ` +
        "task.ouput (line 6): unknown key; did you mean 'output'?",
    );
  });
});

describe('merging into objects without a prototype', () => {
  it('merges layers into objects without a prototype and never merges a prototype key', () => {
    const merged = mergeLayers([
      { source: 'a', values: { backend: { type: 'local', maxConcurrency: 2 } } },
      { source: 'b', values: JSON.parse('{"backend": {"memoryMb": 512}}') as Record<string, unknown> },
    ]);
    expect(Object.getPrototypeOf(merged.options)).toBeNull();
    expect(Object.getPrototypeOf(merged.options.backend)).toBeNull();
    expect({ ...(merged.options.backend as object) }).toEqual({
      type: 'local',
      maxConcurrency: 2,
      memoryMb: 512,
    });
    const hostile = JSON.parse('{"backend": {"__proto__": {"polluted": true}}}') as Record<string, unknown>;
    expect(() => mergeLayers([{ source: 'x', values: hostile }])).toThrow(
      /refused to merge the key '__proto__'/,
    );
    expect(() => mergeLayers([{ source: 'x', values: { constructor: { prototype: 1 } } }])).toThrow(
      /refused to merge the key 'constructor'/,
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
