/**
 * `obifaas demo --count 64 --json` from a clean OBIFAAS_HOME: builds ResNet50 and 64 images,
 * runs them on local function processes, prints one JSON object. The one test that runs
 * ResNet50 (its full cost: model build and 64 inferences).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-cli-demo-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('obifaas demo --count 64 --json runs 64 images, all ok', async () => {
  const t0 = Date.now();
  const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      const child = spawn(
        process.execPath,
        ['--import', tsx, path.join(repoRoot, 'src/cli/run-main.ts'), 'demo', '--count', '64', '--json'],
        {
          cwd: dir,
          env: { ...process.env, OBIFAAS_HOME: path.join(dir, 'home') },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    },
  );
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
