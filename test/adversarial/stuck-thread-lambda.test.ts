/**
 * A model run that never returns, on Lambda (the local Lambda server: our handler in a container
 * process, through the real SDK and the Lambda backend). The first invocation is stopped before
 * the function timeout while its run goes on; the next one waits for that run, finds its thread
 * stuck (after `STOPPED_RUN_WAIT_MS`), and ends the container's process: Lambda answers it
 * `Runtime.ExitError` (retryable) and the one after runs in a new container. The model loops
 * for ever on bright images only, so that the other invocations' own batches return.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LambdaBackend } from '../../src/backends/lambda/lambda-backend.js';
import type { BackendError } from '../../src/errors.js';
import { generateDataset } from '../../src/dataset/generate.js';
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
  server = await startLambdaServer({
    // The handler stops the endless invocation 1 s before its timeout, at 13 s; the next one
    // finds its thread stuck 10 s after that, well within its own 14 s.
    functions: [{ name: FUNCTION, memoryMb: 3008, timeoutS: 14 }],
    env: { ...process.env, ...testAccessEnv({ read: [dir] }) },
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

it('ends the environment whose thread is stuck at its next invocation (retryable), and the one after runs in a new one', async () => {
  const backend = new LambdaBackend({
    memoryMb: 3008,
    endpoint: server.endpoint,
    region: 'us-east-1',
    maxConcurrency: 1,
  });
  try {
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
