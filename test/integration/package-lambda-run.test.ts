/**
 * The function package's handler, unpacked into a temporary folder, loaded by plain Node (no
 * access to the repository's node_modules) and invoked: a ping and a static payload with the tiny
 * model on a few images in a filesystem store, and an int8 model in its inference thread. Then
 * the local Lambda server runs the unpacked handler under a dynamic job (the gRPC dispatcher and
 * its `.proto`, found from inside the bundle).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LambdaBackend } from '../../src/backends/lambda/lambda-backend.js';
import { generateDataset } from '../../src/dataset/generate.js';
import { runJob } from '../../src/manager/run-job.js';
import { ensureBuiltinModel } from '../../src/models/cache.js';
import { compileJobSpec } from '../../src/spec/compile.js';
import { testAccessEnv } from '../support/function-access.js';
import {
  usePackagedFunction,
  world,
  writeHandlerRunner,
  type HandlerRun,
} from '../support/function-package.js';
import { startLambdaServer, useLambdaTestCredentials } from '../support/lambda-server.js';
import { saturatingInt8Model, writeModel } from '../support/worker-models.js';

usePackagedFunction();

describe('the x86_64 function package', () => {
  it('loads and runs its handler with plain Node from the unpacked folder', async () => {
    const home = path.join(world.dir, 'home');
    const model = await ensureBuiltinModel('tiny', { home });
    const data = await generateDataset({ count: 3, outDir: path.join(world.dir, 'images'), seed: 2 });
    const payload = {
      kind: 'static',
      jobId: 'pkg',
      workerId: 'w0',
      model: { uri: model },
      storage: { type: 'fs', root: path.dirname(data.manifestPath) },
      pipeline: {
        load: { concurrency: 2 },
        preprocess: { concurrency: 1 },
        predict: { batchSize: 2, intraOpThreads: 1, interOpThreads: 1, replicas: 1 },
        topK: 2,
      },
      splits: [{ splitId: 's0', keys: [...data.keys, 'missing.jpg'] }],
    };
    const runner = await writeHandlerRunner(path.join(world.dir, 'invoke.mjs'), world.unpacked, payload);
    const run = spawnSync(process.execPath, [runner], {
      cwd: world.unpacked,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '',
        HOME: home,
        OBIFAAS_MODEL_CACHE: path.join(world.dir, 'models'),
        ...testAccessEnv({ read: [path.dirname(data.manifestPath), model] }),
      },
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as HandlerRun;
    expect(out.ping.runtime).toMatchObject({ node: process.version, platform: 'linux-x64' });
    const results = out.work.splits[0]!.results;
    expect(results.map((r) => r.key)).toEqual([...data.keys, 'missing.jpg']);
    for (const r of results.slice(0, 3)) expect(r.top).toHaveLength(2);
    expect(results[3]!.error).toMatch(/missing\.jpg/);
  });

  it('loads an int8 model in its inference thread, with the int8 probe from a chunk of the thread bundle', async () => {
    const model = await writeModel(world.dir, 'int8.onnx', saturatingInt8Model());
    const thread = path.join(world.unpacked, 'dist', 'worker', 'inference-thread.js');
    const runner = path.join(world.dir, 'thread.mjs');
    await fs.writeFile(
      runner,
      [
        "import { Worker } from 'node:worker_threads';",
        `const workerData = { file: ${JSON.stringify(model)}, settings: { intraOpThreads: 1, interOpThreads: 1 } };`,
        `const worker = new Worker(${JSON.stringify(thread)}, { workerData });`,
        "worker.once('message', (m) => { process.stdout.write(JSON.stringify(m)); process.exit(0); });",
        "worker.once('error', (e) => { process.stderr.write(String(e)); process.exit(1); });",
      ].join('\n'),
    );
    const run = spawnSync(process.execPath, [runner], {
      cwd: world.unpacked,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ type: 'ready', info: { int8Probed: true } });
  });
});

describe('the unpacked handler behind the local Lambda server', () => {
  it('runs a dynamic job: every input classified once, through the dispatcher', async () => {
    const restoreEnv = useLambdaTestCredentials();
    const home = path.join(world.dir, 'home-dynamic');
    const model = await ensureBuiltinModel('tiny', { home });
    const data = await generateDataset({ count: 6, outDir: path.join(world.dir, 'images-dynamic'), seed: 4 });
    const server = await startLambdaServer({
      functions: [{ name: 'obifaas-worker-1769', memoryMb: 1769, timeoutS: 60 }],
      handlerFile: path.join(world.unpacked, 'index.mjs'),
      env: {
        PATH: process.env.PATH ?? '',
        HOME: home,
        ...testAccessEnv({ read: [path.dirname(data.manifestPath), model] }),
      },
    });
    const backend = new LambdaBackend({
      memoryMb: 1769,
      endpoint: server.endpoint,
      region: 'us-east-1',
      maxConcurrency: 2,
      retry: { maxAttempts: 5, baseDelayMs: 20, maxDelayMs: 200 },
    });
    try {
      const out = path.join(world.dir, 'dynamic-out');
      const spec = compileJobSpec(
        { inputs: data.manifestPath, model, mode: 'dynamic', splitSize: 2, workers: 2, out, topK: 2 },
        { cores: 2, now: new Date(), cwd: world.dir },
      );
      const { summary } = await runJob(spec, { backend });
      expect(summary.status).toBe('completed');
      const lines = (await fs.readFile(path.join(out, 'results.jsonl'), 'utf8')).trim().split('\n');
      const results = lines.map(
        (l) => JSON.parse(l) as { key: string; top: unknown[] | null; error: string | null },
      );
      expect(results.map((r) => r.key).sort()).toEqual([...data.keys].sort());
      for (const r of results) expect(r.top, r.error ?? '').toHaveLength(2);
      expect(server.requests.filter((r) => r.operation === 'Invoke').length).toBeGreaterThan(0);
    } finally {
      await backend.close();
      await server.stop();
      restoreEnv();
    }
  });
});
