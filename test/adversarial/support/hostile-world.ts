/**
 * The world the adversarial tests attack: a job folder of real images and the tiny model, a
 * canary file outside it (its content must never come back in any answer), symbolic links and
 * a FIFO inside it, an "attacker" HTTP server that records every request it gets (an S3
 * endpoint, a model server), and an "attacker" TCP listener on a loopback address the
 * functions are not allowed to dial (a dispatcher).
 */
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { generateDataset } from '../../../src/dataset/generate.js';
import { ensureBuiltinModel } from '../../../src/models/cache.js';
import type { PipelineConfig, WorkerPayload } from '../../../src/protocol/invocation.js';
import type { TestAccess } from '../../support/function-access.js';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

export interface HostileWorld {
  dir: string;
  /** The folder the functions may read (images, symbolic links, a FIFO). */
  root: string;
  keys: string[];
  manifest: string;
  model: string;
  canary: string;
  canaryFile: string;
  /** An HTTP server that records what it is sent. */
  attacker: { url: string; requests: RecordedRequest[] };
  /** A TCP listener on 127.0.0.2 (outside the functions' networks) counting connections. */
  trap: { host: string; port: number; connections: number };
  /** What the functions' deployment allows: the root and the model, dispatchers on 127.0.0.1 only. */
  access: TestAccess;
  close(): Promise<void>;
}

export const PIPELINE: PipelineConfig = {
  load: { concurrency: 2 },
  preprocess: { concurrency: 1 },
  predict: { batchSize: 4, intraOpThreads: 1, interOpThreads: 1, replicas: 1 },
  topK: 2,
};

export async function hostileWorld(name: string): Promise<HostileWorld> {
  const dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), `obifaas-adv-${name}-`)));
  const canary = `CANARY-${randomBytes(12).toString('hex')}`;
  const canaryFile = path.join(dir, 'canary.txt');
  await fs.writeFile(canaryFile, `${canary}\n`);
  const model = await ensureBuiltinModel('tiny', { home: path.join(dir, 'home') });
  const data = await generateDataset({ count: 6, outDir: path.join(dir, 'data'), seed: 11 });
  const root = path.dirname(data.manifestPath);
  await fs.symlink(canaryFile, path.join(root, 'leak.jpg'));
  await fs.symlink(canaryFile, path.join(root, 'leak.txt'));
  await fs.symlink(dir, path.join(root, 'up'));
  execFileSync('mkfifo', [path.join(root, 'pipe.jpg')]);

  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end('attacker bytes');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const attackerPort = (server.address() as net.AddressInfo).port;

  const trap = { host: '127.0.0.2', port: 0, connections: 0 };
  const listener = net.createServer((socket) => {
    trap.connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, trap.host, resolve));
  trap.port = (listener.address() as net.AddressInfo).port;

  return {
    dir,
    root,
    keys: data.keys,
    manifest: data.manifestPath,
    model,
    canary,
    canaryFile,
    attacker: { url: `http://127.0.0.1:${attackerPort}`, requests },
    trap,
    access: {
      read: [root, model],
      buckets: ['jobs'],
      // The deployment's own S3 endpoint: a closed port, so nothing real is ever reached.
      s3Endpoint: 'http://127.0.0.1:1',
      dispatchers: ['127.0.0.1/32'],
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => listener.close(() => resolve()));
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/** A valid static payload over `keys` of the world's root. */
export function validPayload(world: HostileWorld, keys = world.keys.slice(0, 2)): WorkerPayload {
  return {
    kind: 'static',
    jobId: 'adversarial',
    workerId: 'w0',
    model: { uri: world.model },
    storage: { type: 'fs', root: world.root },
    pipeline: PIPELINE,
    splits: [{ splitId: 's0', keys }],
  };
}

/** A hostile change to a valid payload, and the field whose refusal it must get. */
export interface HostileCase {
  name: string;
  payload: (world: HostileWorld) => unknown;
  /** The payload field the refusal names. */
  field: RegExp;
  /** The HTTP status `serve-function` answers. */
  status: number;
}

function withModel(world: HostileWorld, model: object): unknown {
  return { ...validPayload(world), model };
}

function withStorage(world: HostileWorld, storage: object): unknown {
  return { ...validPayload(world), storage };
}

function dynamicTo(world: HostileWorld, host: string, port: number): unknown {
  const { splits: _splits, ...rest } = validPayload(world) as Extract<WorkerPayload, { kind: 'static' }>;
  return { ...rest, kind: 'dynamic', dispatcher: { host, port, token: 'x', keepAliveIntervalMs: 1000 } };
}

/** Every hostile payload class: files, endpoints and networks the deployment does not allow. */
export const HOSTILE_CASES: HostileCase[] = [
  {
    name: 'labels from /proc/self/environ',
    payload: (w) => withModel(w, { uri: w.model, labelsUri: '/proc/self/environ' }),
    field: /model\.labelsUri/,
    status: 403,
  },
  {
    name: 'labels as a file:// URL outside the roots',
    payload: (w) => withModel(w, { uri: w.model, labelsUri: `file://${w.canaryFile}` }),
    field: /model\.labelsUri/,
    status: 403,
  },
  {
    name: 'labels through a symbolic link out of the root',
    payload: (w) => withModel(w, { uri: w.model, labelsUri: path.join(w.root, 'leak.txt') }),
    field: /model\.labelsUri/,
    status: 403,
  },
  {
    name: 'labels through ".." out of the root',
    payload: (w) => withModel(w, { uri: w.model, labelsUri: `${w.root}/../canary.txt` }),
    field: /model\.labelsUri/,
    status: 403,
  },
  {
    name: 'labels that are a FIFO inside the root',
    payload: (w) => withModel(w, { uri: w.model, labelsUri: path.join(w.root, 'pipe.jpg') }),
    field: /labels file .*pipe\.jpg is a FIFO/,
    status: 400,
  },
  {
    name: 'model /etc/passwd',
    payload: (w) => withModel(w, { uri: '/etc/passwd' }),
    field: /model\.uri/,
    status: 403,
  },
  {
    name: 'model as the canary, through the linked folder',
    payload: (w) => withModel(w, { uri: path.join(w.root, 'up', 'canary.txt') }),
    field: /model\.uri/,
    status: 403,
  },
  {
    name: 'model from an http:// URL',
    payload: (w) => withModel(w, { uri: `${w.attacker.url}/model.onnx` }),
    field: /model\.uri/,
    status: 400,
  },
  {
    name: 'model from a bucket the deployment does not allow',
    payload: (w) => withModel(w, { uri: 's3://attacker-models/model.onnx' }),
    field: /model\.uri: bucket 'attacker-models'/,
    status: 403,
  },
  {
    name: 'storage root "/" (an oracle of which files exist)',
    payload: (w) => withStorage(w, { type: 'fs', root: '/' }),
    field: /storage\.root/,
    status: 403,
  },
  {
    name: 'storage root above the allowed folder',
    payload: (w) => withStorage(w, { type: 'fs', root: w.dir }),
    field: /storage\.root/,
    status: 403,
  },
  {
    name: "storage in an allowed bucket at the attacker's endpoint",
    payload: (w) => withStorage(w, { type: 's3', bucket: 'jobs', endpoint: w.attacker.url }),
    field: /storage\.endpoint/,
    status: 403,
  },
  {
    name: 'storage in a bucket the deployment does not allow',
    payload: (w) => withStorage(w, { type: 's3', bucket: 'attacker-bucket', endpoint: w.attacker.url }),
    field: /storage\.bucket/,
    status: 403,
  },
  {
    name: "an s3:// model signed for the attacker's endpoint",
    payload: (w) => ({
      ...(withModel(w, { uri: 's3://jobs/model.onnx' }) as object),
      storage: { type: 's3', bucket: 'jobs', endpoint: w.attacker.url },
    }),
    field: /storage\.endpoint/,
    status: 403,
  },
  {
    name: 'a dispatcher on a loopback address outside the networks',
    payload: (w) => dynamicTo(w, w.trap.host, w.trap.port),
    field: /dispatcher\.host/,
    status: 403,
  },
  {
    name: 'a dispatcher at the cloud metadata address',
    payload: (w) => dynamicTo(w, '169.254.169.254', 80),
    field: /dispatcher\.host/,
    status: 403,
  },
  {
    name: 'a dispatcher on a private network',
    payload: (w) => dynamicTo(w, '10.0.0.1', 50051),
    field: /dispatcher\.host/,
    status: 403,
  },
  {
    name: 'a schema violation (a prototype key)',
    payload: (_w) => JSON.parse(`{"kind":"static","__proto__":{"polluted":1},"jobId":"j"}`) as unknown,
    field: /__proto__/,
    status: 400,
  },
];

/** Keys that must each end as that input's error, never as data from outside the root. */
export const HOSTILE_KEYS: string[] = [
  'leak.jpg',
  'pipe.jpg',
  'up/canary.txt',
  '../canary.txt',
  'k'.repeat(2000),
];
