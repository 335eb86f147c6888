/**
 * A model run that never returns, on Lambda (the local Lambda server: our handler in a container
 * process, through the real SDK and the Lambda backend). The function is deployed by
 * `deployFunctions` with a stuck wait of 2 s (the function's `OBIFAAS_FUNCTION_STUCK_AFTER`).
 * The first invocation is stopped before the function timeout while its run goes on; the next
 * one waits for that run, finds its thread stuck after the deployed wait, and ends the
 * container's process: Lambda answers it `Runtime.ExitError` (retryable) and the one after runs
 * in a new container. A payload cannot set the wait. The model loops for ever on bright images
 * only, so that the other invocations' own batches return.
 */
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import sharp from 'sharp';
import yazl from 'yazl';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LambdaBackend } from '../../src/backends/lambda/lambda-backend.js';
import type { BackendError } from '../../src/errors.js';
import { generateDataset } from '../../src/dataset/generate.js';
import { deployFunctions } from '../../src/deploy/deploy.js';
import { DEFAULT_BUCKET_PREFIX } from '../../src/deploy/settings.js';
import type { WorkerPayload } from '../../src/protocol/invocation.js';
import { testAccessEnv } from '../support/function-access.js';
import {
  startLambdaServer,
  useLambdaTestCredentials,
  type LambdaServerHandle,
} from '../support/lambda-server.js';
import { PIPELINE } from './support/hostile-world.js';
import { brightLoopModel } from './support/hostile-models.js';

const FUNCTION = 'obifaas-worker-3008';
let dir: string;
let root: string;
let model: string;
let plain: string[];
const bright = ['white-0.png', 'white-1.png', 'white-2.png', 'white-3.png'];
let server: LambdaServerHandle;
let restoreEnv: () => void;

beforeAll(async () => {
  restoreEnv = useLambdaTestCredentials();
  dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-adv-stuck-lambda-')));
  model = path.join(dir, 'bright-loop.onnx');
  await fs.writeFile(model, brightLoopModel());
  const data = await generateDataset({ count: 4, outDir: path.join(dir, 'data'), seed: 4 });
  root = path.dirname(data.manifestPath);
  plain = data.keys;
  const white = { create: { width: 32, height: 32, channels: 3 as const, background: '#ffffff' } };
  for (const key of bright) await sharp(white).png().toFile(path.join(root, key));
  server = await startLambdaServer({ env: { ...process.env, ...testAccessEnv({ read: [dir] }) } });
  // The server runs our handler whatever the package holds.
  const zip = path.join(dir, 'function.zip');
  const z = new yazl.ZipFile();
  z.addBuffer(Buffer.from('export const handler = async () => ({});\n'), 'index.mjs');
  z.end();
  await pipeline(z.outputStream, createWriteStream(zip));
  await deployFunctions({
    prefix: 'obifaas-worker',
    region: 'us-east-1',
    endpoint: server.endpoint,
    memorySizes: [3008],
    arch: 'x86_64',
    role: 'arn:aws:iam::123456789012:role/obifaas-worker',
    bucketPrefix: DEFAULT_BUCKET_PREFIX,
    // The handler stops the endless invocation 1 s before its timeout, at 9 s; the next one
    // finds its thread stuck 2 s after that, well within its own 10 s.
    timeoutS: 10,
    stuckAfterMs: 2_000,
    ephemeralStorageMb: 2048,
    runtime: 'nodejs22.x',
    environment: {},
    zipFile: zip,
    waitS: 30,
  });
});

afterAll(async () => {
  await server?.stop();
  restoreEnv?.();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

function payload(workerId: string, keys: string[]): WorkerPayload {
  return {
    kind: 'static',
    jobId: 'stuck-lambda',
    workerId,
    model: { uri: model },
    storage: { type: 'fs', root },
    pipeline: PIPELINE,
    splits: [{ splitId: workerId, keys }],
  };
}

it('ends the environment whose thread is stuck after the deployed wait at its next invocation (retryable), and the one after runs in a new one', async () => {
  const logs: string[] = [];
  const backend = new LambdaBackend({
    memoryMb: 3008,
    endpoint: server.endpoint,
    region: 'us-east-1',
    maxConcurrency: 1,
    log: { write: (chunk) => logs.push(String(chunk)) },
  });
  try {
    expect(server.functions.get(FUNCTION)?.config.Environment?.Variables).toMatchObject({
      OBIFAAS_FUNCTION_STUCK_AFTER: '2000ms',
    });
    // The payload has no say in the wait: a field that tries is refused.
    const asked = await backend.invoke({
      ...payload('asks', plain),
      stuckAfter: '15m',
    } as unknown as WorkerPayload);
    expect(asked.ok).toBe(false);
    if (asked.ok) return;
    expect(asked.error.message).toMatch(/stuckAfter/);

    const endless = await backend.invoke(payload('endless', bright));
    expect(endless.ok).toBe(false);
    if (endless.ok) return;
    expect(endless.error.message).toMatch(/stopped 1000 ms before the function timeout/);
    const [pid] = server.containerPids(FUNCTION);
    expect(server.containerPids(FUNCTION)).toHaveLength(1);

    // The container stays (warm); its next invocation finds the run stuck and ends it.
    const ended = await backend.invoke(payload('ended', plain));
    expect(ended.ok).toBe(false);
    if (ended.ok) return;
    expect(ended.error.message).toMatch(/Runtime\.ExitError: .*Runtime exited with error: signal: SIGKILL/);
    expect((ended.error as BackendError).retryable).toBe(true);
    expect(logs.join('')).toMatch(
      /obifaas function: ending this environment: .*stuck.*\(stuck wait 2 s, OBIFAAS_FUNCTION_STUCK_AFTER\)/,
    );
    expect(server.containerPids(FUNCTION)).not.toContain(pid);

    const next = await backend.invoke(payload('next', plain));
    expect(next.ok, next.ok ? '' : next.error.message).toBe(true);
    if (!next.ok) return;
    expect(next.stats.cold).toBe(true);
    expect(next.result.runtime.pid).not.toBe(pid);
    expect(next.result.splits.flatMap((s) => s.results.map((r) => r.error))).toEqual(plain.map(() => null));
  } finally {
    await backend.close();
  }
}, 120_000);
