/**
 * `obifaas demo --count 64 --json` from a clean OBIFAAS_HOME: builds ResNet50 and 64 images,
 * runs them on local function processes, prints one JSON object. The one test that runs
 * ResNet50 (its full cost: model build and 64 inferences). The int8 path runs on the tiny
 * model (`--model tiny --int8`): quantizing ResNet50 takes minutes.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isQuantized } from '../../src/models/model-description.js';
import { readGraph } from '../../src/models/onnx-graph.js';
import { int8BuiltinModelPath } from '../../src/quantize/builtin.js';
import { obifaas, type CliRun } from '../support/obifaas-cli.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-cli-demo-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `obifaas demo ARGS` as installed (the built CLI), in `dir` with its own OBIFAAS_HOME. */
function demo(args: string[]): Promise<CliRun> {
  return obifaas(['demo', ...args], { cwd: dir, env: { OBIFAAS_HOME: path.join(dir, 'home') } });
}

it('obifaas demo --count 64 --json runs 64 images, all ok', async () => {
  const t0 = Date.now();
  const run = await demo(['--count', '64', '--json']);
  const seconds = (Date.now() - t0) / 1000;
  expect(run.code, run.stderr).toBe(0);
  const summary = JSON.parse(run.stdout) as Record<string, number | string>;
  expect(summary).toMatchObject({ job: 'demo', status: 'completed', inputs: 64, ok: 64, errors: 0 });
  expect(summary.imagesPerSecond).toBeGreaterThan(0);
  expect(summary.costUsd).toBeGreaterThan(0);
  expect(String(summary.out).startsWith(path.join(dir, 'home', 'runs', 'demo-'))).toBe(true);
  const lines = (await readFile(path.join(String(summary.out), 'results.jsonl'), 'utf8')).trim().split('\n');
  expect(lines).toHaveLength(64);
  console.log(
    `demo --count 64: ${seconds.toFixed(1)} s in all, job ${Number(summary.latencySeconds).toFixed(1)} s, ${Number(summary.imagesPerSecond).toFixed(1)} images/s`,
  );
});

it('obifaas demo --model tiny --int8 quantizes tiny, then runs every image on it', async () => {
  const run = await demo(['--model', 'tiny', '--int8', '--count', '12', '--json']);
  expect(run.code, run.stderr).toBe(0);
  const summary = JSON.parse(run.stdout) as Record<string, number | string>;
  expect(summary).toMatchObject({ job: 'demo', status: 'completed', inputs: 12, ok: 12, errors: 0 });

  // The job ran the int8 build of tiny, cached under OBIFAAS_HOME, and that file is quantized.
  const int8 = int8BuiltinModelPath('tiny', { home: path.join(dir, 'home') });
  expect(summary.model).toBe(int8);
  const record = JSON.parse(await readFile(path.join(String(summary.out), 'job.json'), 'utf8')) as {
    model: { uri: string; path: string };
  };
  expect(record.model.uri).toBe(int8);
  const graph = readGraph(await readFile(record.model.path));
  expect(isQuantized(graph)).toBe(true);
  expect(graph.metadata.find((m) => m.key === 'obifaas.model')?.value).toBe('tiny-int8');

  // Every input has exactly one result, a prediction.
  const results = (await readFile(path.join(String(summary.out), 'results.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { key: string; top: unknown[] | null; error: string | null });
  expect(results).toHaveLength(12);
  expect(new Set(results.map((r) => r.key)).size).toBe(12);
  expect(results.filter((r) => r.error !== null || !r.top?.length)).toEqual([]);
});
