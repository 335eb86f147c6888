/**
 * Models whose tensors keep their bytes in external files, against the real function (a local
 * function process, a `serve-function` process) and the real job manager (`obifaas run`, with
 * and without `--dry-run`). ONNX Runtime reads a model's external files itself, and on its own
 * refuses only absolute paths and ways out of the model's folder: a file next to the model that
 * the deployment does not let the function read would load, and its bytes (cast to float and
 * added to an output) come back in the results. Each hostile model must be refused before the
 * runtime opens it, naming the tensor and the location, without a byte of the canary coming
 * back; a model whose external data is a granted file in its folder runs.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBackend } from '../../src/backends/local/local-backend.js';
import type { BackendError } from '../../src/errors.js';
import { generateDataset } from '../../src/dataset/generate.js';
import type { WorkerPayload } from '../../src/protocol/invocation.js';
import { expectRefusal } from '../support/cli-refusal.js';
import { testAccess, testAccessFlags, type TestAccess } from '../support/function-access.js';
import {
  startFunctionServerProcess,
  stopFunctionServerProcess,
  type FunctionServerProcess,
} from '../support/function-servers.js';
import { obifaas } from '../support/obifaas-cli.js';
import { PIPELINE } from './support/hostile-world.js';
import { externalDataModel } from './support/hostile-models.js';

const CANARY = `CANARY-${process.pid}-external`;

let dir: string;
let models: string;
let root: string;
let keys: string[];
let manifest: string;
let access: TestAccess;
let local: LocalBackend;
let http: FunctionServerProcess;

/** Hostile models: the location each names, and why it must be refused. */
const HOSTILE: Array<[name: string, location: string, why: RegExp]> = [
  ['absolute.onnx', '/etc/hostname', /is an absolute path/],
  ['escape.onnx', '../canary.txt', /leads out of the model's folder/],
  ['link.onnx', 'link.bin', /is a symbolic link leading out of the model's folder/],
  ['sibling.onnx', 'secret.bin', /is outside the paths this function's deployment lets it read/],
  ['fifo.onnx', 'pipe.bin', /is a FIFO/],
  ['huge.onnx', 'weights.bin', /offset 0 and length 1000000000000 run past the end of the file \(48 bytes\)/],
];

beforeAll(async () => {
  dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-adv-external-')));
  models = path.join(dir, 'models');
  await fs.mkdir(models);
  await fs.writeFile(path.join(dir, 'canary.txt'), CANARY);
  await fs.writeFile(path.join(models, 'secret.bin'), CANARY);
  await fs.symlink(path.join(dir, 'canary.txt'), path.join(models, 'link.bin'));
  execFileSync('mkfifo', [path.join(models, 'pipe.bin')]);
  await fs.writeFile(path.join(models, 'weights.bin'), Buffer.alloc(48, 1));
  for (const [name, location] of HOSTILE)
    await fs.writeFile(path.join(models, name), externalDataModel(location, name === 'huge.onnx' ? 1e12 : 8));
  await fs.writeFile(path.join(models, 'good.onnx'), externalDataModel('weights.bin', 16));
  const data = await generateDataset({ count: 2, outDir: path.join(dir, 'data'), seed: 3 });
  root = path.dirname(data.manifestPath);
  keys = data.keys;
  manifest = data.manifestPath;
  // Each model file is readable, the good model's external file and the FIFO; the folder is not.
  access = {
    read: [
      root,
      ...[...HOSTILE.map(([n]) => n), 'good.onnx', 'weights.bin', 'pipe.bin'].map((n) =>
        path.join(models, n),
      ),
    ],
  };
  local = new LocalBackend({ maxConcurrency: 1, log: { write: () => true }, access: testAccess(access) });
  http = await startFunctionServerProcess(testAccessFlags(access));
});

afterAll(async () => {
  await local?.close();
  if (http) await stopFunctionServerProcess(http);
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

function payload(model: string): WorkerPayload {
  return {
    kind: 'static',
    jobId: 'external',
    workerId: 'w0',
    model: { uri: path.join(models, model) },
    storage: { type: 'fs', root },
    pipeline: PIPELINE,
    splits: [{ splitId: 's0', keys }],
  };
}

const named = (location: string): string =>
  `tensor 'secret' (initializer in the graph): external data location ${JSON.stringify(location)}`;

describe('a local function process', () => {
  it.each(HOSTILE)('refuses %s before the runtime opens it', async (name, location, why) => {
    const inv = await local.invoke(payload(name));
    expect(inv.ok).toBe(false);
    if (inv.ok) return;
    expect(inv.error.message).toContain(named(location));
    expect(inv.error.message).toMatch(why);
    expect((inv.error as BackendError).retryable).toBe(false);
    expect(inv.error.message).not.toContain(CANARY);
  });

  it('runs a model whose external data is a granted file in its folder', async () => {
    const inv = await local.invoke(payload('good.onnx'));
    expect(inv.ok, inv.ok ? '' : inv.error.message).toBe(true);
    if (!inv.ok) return;
    const results = inv.result.splits.flatMap((s) => s.results);
    expect(results.map((r) => [r.key, r.error])).toEqual(keys.map((k) => [k, null]));
  });
});

describe('serve-function', () => {
  it.each(HOSTILE)(
    'answers %s with a 4xx naming the tensor and the location',
    async (name, location, why) => {
      const res = await fetch(`${http.url}/invoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload(name)),
      });
      const text = await res.text();
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      const body = JSON.parse(text) as { errorType: string; errorMessage: string };
      expect(body.errorType).toBe('ModelError');
      expect(body.errorMessage).toContain(named(location));
      expect(body.errorMessage).toMatch(why);
      expect(text).not.toContain(CANARY);
    },
  );
});

describe('obifaas run', () => {
  const cli = (args: string[]) => obifaas(args, { cwd: dir, env: { OBIFAAS_HOME: path.join(dir, 'home') } });

  it.each([['--dry-run'], ['--out', 'refused']])(
    'refuses a model with a way out (%s), exit 2',
    async (...flags) => {
      const model = path.join(models, 'escape.onnx');
      const run = await cli(['run', '--input', manifest, '--model', model, ...flags]);
      expectRefusal(
        run,
        new RegExp(
          `^obifaas: model ${model}: ${named('../canary.txt').replace(/[.*()?]/g, '\\$&')} leads out`,
        ),
      );
      expect(run.stderr).not.toContain(CANARY);
      await expect(fs.stat(path.join(dir, 'refused'))).rejects.toThrow();
    },
  );

  it('runs a model whose external data lies in its folder: its functions may read that file', async () => {
    const run = await cli([
      'run',
      '--input',
      manifest,
      '--model',
      path.join(models, 'good.onnx'),
      '--out',
      'good',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const lines = (await fs.readFile(path.join(dir, 'good', 'results.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(keys.length);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ error: null });
  });
});
