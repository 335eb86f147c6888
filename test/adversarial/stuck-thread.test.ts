/**
 * A stopped invocation's model run that never returns, against real `serve-function` processes,
 * ONNX Runtime and the http backend. The model loops for ever on a batch of bright images and
 * returns at once on any other, so that one function can hold a run that never ends and still
 * run other invocations' batches. Each function marks a thread stuck 1 s after its caller gave
 * up (its environment's `OBIFAAS_FUNCTION_STUCK_AFTER`); every wait is on an event (CPU spent, a
 * line on stderr, an exit), bounded.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpBackend } from '../../src/backends/http/http-backend.js';
import type { BackendError } from '../../src/errors.js';
import { generateDataset } from '../../src/dataset/generate.js';
import type { WorkerPayload, WorkerResult } from '../../src/protocol/invocation.js';
import { testAccessFlags, type TestAccess } from '../support/function-access.js';
import {
  startFunctionServerProcess,
  stopFunctionServerProcess,
  type FunctionServerProcess,
} from '../support/function-servers.js';
import { PIPELINE } from './support/hostile-world.js';
import { brightLoopModel } from './support/hostile-models.js';
import { untilFunctionBusy, untilStderr } from './support/function-health.js';
import { untilProcessCpuSpent } from './support/process-cpu.js';

let dir: string;
let root: string;
let model: string;
/** One batch (the pipeline's 4) of white images: the model never returns on it. */
let bright: string[];
/** Two batches of generated images: the model answers them at once. */
let plain: string[];
let access: TestAccess;
const servers: FunctionServerProcess[] = [];

beforeAll(async () => {
  dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-adv-stuck-')));
  model = path.join(dir, 'bright-loop.onnx');
  await fs.writeFile(model, brightLoopModel());
  const data = await generateDataset({ count: 8, outDir: path.join(dir, 'data'), seed: 3 });
  root = path.dirname(data.manifestPath);
  plain = data.keys;
  bright = ['white-0.png', 'white-1.png', 'white-2.png', 'white-3.png'];
  const white = { create: { width: 32, height: 32, channels: 3 as const, background: '#ffffff' } };
  for (const key of bright) await sharp(white).png().toFile(path.join(root, key));
  access = { read: [root, dir] };
});

afterAll(async () => {
  await Promise.all(servers.map((s) => stopFunctionServerProcess(s)));
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

/** A function deployed with a stuck wait of 1 s in its environment. */
async function serve(...flags: string[]): Promise<FunctionServerProcess> {
  const server = await startFunctionServerProcess([...testAccessFlags(access), ...flags], {
    OBIFAAS_FUNCTION_STUCK_AFTER: '1s',
  });
  servers.push(server);
  return server;
}

function payload(workerId: string, keys: string[]): WorkerPayload {
  return {
    kind: 'static',
    jobId: 'stuck',
    workerId,
    model: { uri: model },
    storage: { type: 'fs', root },
    pipeline: PIPELINE,
    splits: [{ splitId: workerId, keys }],
  };
}

const post = (url: string, body: WorkerPayload, signal?: AbortSignal): Promise<Response> =>
  fetch(`${url}/invoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });

/** Posts the bright batch and gives up once the function has spent CPU in its endless run. */
async function stopEndlessRun(server: FunctionServerProcess): Promise<void> {
  const controller = new AbortController();
  const endless = post(server.url, payload('endless', bright), controller.signal);
  await untilFunctionBusy(server.url, 1, 'the endless invocation never started');
  await untilProcessCpuSpent(server.child.pid as number, 1.5, 'the endless run never ran');
  controller.abort();
  await expect(endless).rejects.toThrow();
}

const errorsOf = (result: WorkerResult): (string | null)[] =>
  result.splits.flatMap((s) => s.results.map((r) => r.error));

describe('serve-function --concurrency 2 with cores for a new thread', () => {
  it('runs the batches queued behind a stuck thread on the thread that replaces it, and stays healthy', async () => {
    const server = await serve('--concurrency', '2', '--cores', '2');
    const controller = new AbortController();
    const endless = post(server.url, payload('endless', bright), controller.signal);
    await untilFunctionBusy(server.url, 1, 'the endless invocation never started');
    await untilProcessCpuSpent(server.child.pid as number, 1, 'the endless run never ran');
    // Its batches wait behind the endless run on the one inference thread.
    const queued = post(server.url, payload('queued', plain));
    await untilFunctionBusy(server.url, 2, 'the queued invocation never started');
    await untilProcessCpuSpent(server.child.pid as number, 0.5, 'the endless run stopped');
    controller.abort();
    await expect(endless).rejects.toThrow();

    const reply = await queued;
    const text = await reply.text();
    expect(reply.status, text).toBe(200);
    const result = JSON.parse(text) as WorkerResult;
    expect(result.splits.flatMap((s) => s.results.map((r) => r.key))).toEqual(plain);
    expect(errorsOf(result)).toEqual(plain.map(() => null));
    await untilStderr(server, /inference thread stuck/, 'no stuck line');
    expect(server.stderr()).toMatch(
      /inference thread stuck: a stopped invocation's run of model sha256:[0-9a-f]{12} \(.*bright-loop\.onnx\) has not returned after \d+\.\d s and holds 1 core\(s\); a new thread loads the model in its place/,
    );
    expect(server.stderr().match(/inference thread stuck/g)).toHaveLength(1);
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, stuckThreads: 1, stuckAfterMs: 1_000 });
    // And the next invocation too.
    const next = await post(server.url, payload('next', plain));
    expect(next.status).toBe(200);
    expect(errorsOf((await next.json()) as WorkerResult)).toEqual(plain.map(() => null));
  }, 120_000);
});

describe('serve-function whose stuck thread holds all its cores', () => {
  let stuck: FunctionServerProcess;
  beforeAll(async () => {
    stuck = await serve('--cores', '1');
    await stopEndlessRun(stuck);
    await untilStderr(stuck, /inference thread stuck/, 'no stuck line');
  }, 120_000);

  it('says it is unhealthy on /healthz and refuses invocations with a retryable 503', async () => {
    const health = await fetch(`${stuck.url}/healthz`);
    expect(health.status).toBe(503);
    const body = (await health.json()) as { ok: boolean; reason: string; stuckThreads: number };
    expect(body).toMatchObject({ ok: false, stuckThreads: 1 });
    expect(body.reason).toMatch(/1 stuck inference thread\(s\) hold 1 of this function's 1 cores/);
    const refused = await post(stuck.url, payload('refused', plain));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toMatchObject({ errorType: 'FunctionUnhealthyError' });
  });

  it('has the http backend move the invocation to a healthy function, or fail it retryably when none is left', async () => {
    const healthy = await serve();
    // One attempt each: the healthy URL must take the invocation within it.
    const both = new HttpBackend({ urls: [stuck.url, healthy.url], retry: { maxAttempts: 1 } });
    const alone = new HttpBackend({ urls: [stuck.url], retry: { maxAttempts: 1 } });
    try {
      for (const id of ['a', 'b']) {
        const inv = await both.invoke(payload(id, plain));
        expect(inv.ok, inv.ok ? '' : inv.error.message).toBe(true);
        if (inv.ok) expect(errorsOf(inv.result)).toEqual(plain.map(() => null));
      }
      const refused = await alone.invoke(payload('c', plain));
      expect(refused.ok).toBe(false);
      if (refused.ok) return;
      expect((refused.error as BackendError).retryable).toBe(true);
      expect(refused.error.message).toMatch(/cannot serve \(HTTP 503\): 1 stuck inference thread/);
    } finally {
      await both.close();
      await alone.close();
    }
  }, 120_000);
});

describe('serve-function --exit-when-stuck', () => {
  it('ends its process once a thread is stuck, saying why', async () => {
    const server = await serve('--exit-when-stuck');
    const exited = new Promise<string | null>((resolve) =>
      server.child.once('exit', (_code, signal) => resolve(signal)),
    );
    await stopEndlessRun(server);
    expect(await exited).toBe('SIGKILL');
    expect(server.stderr()).toMatch(
      /obifaas function: exiting \(--exit-when-stuck\): inference thread stuck: a stopped invocation's run of model sha256:[0-9a-f]{12}/,
    );
  }, 120_000);
});

describe("serve-function's stuck wait", () => {
  it('takes --stuck-after over its environment, and says the wait it uses on /healthz', async () => {
    const server = await serve('--stuck-after', '2.5s');
    const health = await fetch(`${server.url}/healthz`);
    expect(await health.json()).toMatchObject({ ok: true, stuckThreads: 0, stuckAfterMs: 2_500 });
  });
});
