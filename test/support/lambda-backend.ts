/**
 * The Lambda backend's test world: the `tiny` model, an 8-image dataset and the local Lambda REST
 * server running our Lambda entry, started once per test file, and backends that reach it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BackendConformanceFixture } from '../../src/backends/conformance.js';
import { LambdaBackend } from '../../src/backends/lambda/lambda-backend.js';
import { generateDataset } from '../../src/dataset/generate.js';
import { ensureBuiltinModel } from '../../src/models/cache.js';
import { testAccessEnv } from './function-access.js';
import { startLambdaServer, useLambdaTestCredentials, type LambdaServerHandle } from './lambda-server.js';

/** The one function the server has. */
export const FUNCTION = 'obifaas-worker-3008';

/** Quick retries, for storms that a test makes. */
const fast = { maxAttempts: 10, baseDelayMs: 20, maxDelayMs: 200 };

/** The world, once {@link lambdaWorldReady} has resolved. */
export const world = {} as {
  dir: string;
  server: LambdaServerHandle;
  fx: BackendConformanceFixture & { manifest: string };
};

let restoreEnv: (() => void) | undefined;
let started: Promise<void> | undefined;

/** Sets up the world on the first call; every call waits for it. */
export function lambdaWorldReady(): Promise<void> {
  started ??= (async () => {
    restoreEnv = useLambdaTestCredentials();
    world.dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-lambda-backend-'));
    const model = await ensureBuiltinModel('tiny', { home: world.dir });
    const data = await generateDataset({ count: 8, outDir: path.join(world.dir, 'data'), seed: 5 });
    world.fx = {
      storage: { type: 'fs', root: path.dirname(data.manifestPath) },
      keys: data.keys,
      model: { uri: model },
      manifest: data.manifestPath,
    };
    world.server = await startLambdaServer({
      functions: [{ name: FUNCTION, memoryMb: 3008, timeoutS: 60 }],
      // Deployed to read the test's folder, as `obifaas deploy --allow-read` would.
      env: { ...process.env, ...testAccessEnv({ read: [world.dir] }) },
    });
  })();
  return started;
}

/** Stops the server and removes the folder. */
export async function stopLambdaWorld(): Promise<void> {
  await world.server?.stop();
  restoreEnv?.();
  if (world.dir) await rm(world.dir, { recursive: true, force: true });
}

/** A Lambda backend on the local server, with quick retries. */
export const backendFor = (maxConcurrency: number): LambdaBackend =>
  new LambdaBackend({
    memoryMb: 3008,
    endpoint: world.server.endpoint,
    region: 'us-east-1',
    maxConcurrency,
    retry: fast,
  });
