/**
 * The image decoder (sharp) loads after start-up, beside the model (`worker/image-decoder.ts`):
 * a function process whose decoder cannot load still starts, and answers every input of its
 * payload with an error that names the decoder and why. The child process entry runs from the
 * compiled code, once as deployed and once with a module hook that makes `sharp` fail to load
 * as a missing native library would.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../src/dataset/generate.js';
import { ensureBuiltinModel } from '../../src/models/cache.js';
import type { ChildMessage } from '../../src/protocol/local-ipc.js';
import type { WorkerResult } from '../../src/protocol/invocation.js';
import { compiledDist } from '../support/compiled-dist.js';
import { testAccessEnv } from '../support/function-access.js';

let dir: string;
let dist: { dir: string; temp: boolean };
let payload: object;
let keys: string[];

const FAILING_HOOK = `
export async function resolve(specifier, context, next) {
  if (specifier === 'sharp') throw new Error('libvips-cpp.so.8.17.3: cannot open shared object file');
  return next(specifier, context);
}
`;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-decoder-load-'));
  dist = await compiledDist(dir);
  const model = await ensureBuiltinModel('tiny', { home: dir });
  const data = await generateDataset({ count: 3, outDir: path.join(dir, 'data'), seed: 5 });
  keys = data.keys;
  await fs.writeFile(path.join(dir, 'hook.mjs'), FAILING_HOOK);
  await fs.writeFile(
    path.join(dir, 'register.mjs'),
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(path.join(dir, 'hook.mjs')).href)});\n`,
  );
  payload = {
    kind: 'static',
    jobId: 'job',
    workerId: 'w0',
    model: { uri: model },
    storage: { type: 'fs', root: path.dirname(data.manifestPath) },
    pipeline: {
      load: { concurrency: 2 },
      preprocess: { concurrency: 2 },
      predict: { batchSize: 2, intraOpThreads: 1, interOpThreads: 1, replicas: 1 },
      topK: 1,
    },
    splits: [{ splitId: 's0', keys }],
  };
}, 180_000);

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Starts the function process, runs the payload, and returns its reply. */
async function invoke(execArgv: string[]): Promise<Extract<ChildMessage, { type: 'result' }>> {
  const child = fork(path.join(dist.dir, 'worker', 'entry', 'child.js'), [], {
    execArgv,
    env: { ...process.env, ...testAccessEnv({ read: [dir] }) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  try {
    return await new Promise((resolve, reject) => {
      child.on('message', (m: ChildMessage) => {
        if (m.type === 'ready') child.send({ type: 'invoke', id: 'i0', payload });
        else if (m.type === 'result') resolve(m);
      });
      child.on('exit', (code) => reject(new Error(`function process exited with ${code}`)));
    });
  } finally {
    child.disconnect();
  }
}

describe('a function process', () => {
  it('predicts with the decoder it loads beside the model', async () => {
    const reply = await invoke([]);
    expect(reply.ok).toBe(true);
    const results = (reply as { result: WorkerResult }).result.splits[0]?.results ?? [];
    expect(results.map((r) => r.key)).toEqual(keys);
    expect(results.map((r) => r.error)).toEqual(keys.map(() => null));
  });

  it('whose decoder cannot load answers every input with an error saying so', async () => {
    const reply = await invoke(['--import', pathToFileURL(path.join(dir, 'register.mjs')).href]);
    expect(reply.ok).toBe(true);
    const results = (reply as { result: WorkerResult }).result.splits[0]?.results ?? [];
    expect(results.map((r) => r.key)).toEqual(keys);
    for (const r of results) {
      expect(r.top).toBeNull();
      expect(r.error).toMatch(
        /^cannot decode '.+': image decoder unavailable: cannot load sharp \(libvips-cpp\.so\.8\.17\.3: cannot open shared object file\)$/,
      );
    }
  });
});
