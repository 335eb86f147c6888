/**
 * A split dispatcher on loopback with its job's record (splits done, workers lost), and workers
 * that connect to it with real gRPC clients, for the dispatcher's integration tests. A test
 * file calls `afterEach(closeDispatcherJobs)`.
 */
import { expect } from 'vitest';
import type { InputResult } from '../../src/core/prediction.js';
import type { CompletedSplit } from '../../src/core/split-state.js';
import { splitBySize } from '../../src/core/splitting.js';
import { DispatcherClient, type SplitAssignment } from '../../src/rpc/dispatcher-client.js';
import {
  DispatcherServer,
  type DispatcherServerOptions,
  type WorkerLostEvent,
} from '../../src/rpc/dispatcher-server.js';

const keys = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `img/${String(i).padStart(4, '0')}.jpg`);
export const resultsFor = (split: SplitAssignment, label: string): InputResult[] =>
  split.keys.map((key, i) => ({ key, top: [{ class: i % 1000, label, score: 0.5 }], error: null }));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let servers: DispatcherServer[] = [];
let clients: DispatcherClient[] = [];

/** Closes the clients and dispatchers started since the last call. */
export async function closeDispatcherJobs(): Promise<void> {
  for (const c of clients) c.close();
  for (const s of servers) await s.close();
  servers = [];
  clients = [];
}

/** A dispatcher plus a record of everything it reported. */
export async function startJob(inputs: number, splitSize: number, options: DispatcherServerOptions = {}) {
  const done: CompletedSplit[] = [];
  const lost: WorkerLostEvent[] = [];
  const onLost: Array<() => void> = [];
  const onWorkerLost = (e: WorkerLostEvent): void => {
    lost.push(e);
    for (const notify of onLost.splice(0)) notify();
  };
  const server = new DispatcherServer(splitBySize(keys(inputs), splitSize), {
    ...options,
    hooks: { onSplitDone: (s) => done.push(s), onWorkerLost, ...options.hooks },
  });
  servers.push(server);
  const { host, port } = await server.start();
  // Each worker gets its own credential, as the job manager gives each invocation.
  const credential = (workerId: string): string => server.credentialFor(workerId);
  /** Resolves once a worker has been given up (an event, however long the machine takes to get there). */
  const whenLost = (): Promise<void> =>
    lost.length > 0 ? Promise.resolve() : new Promise((resolve) => onLost.push(resolve));
  return { server, done, lost, whenLost, address: { host, port, credential } };
}

export interface JobAddress {
  host: string;
  port: number;
  credential(workerId: string): string;
}

export async function connect(address: JobAddress, workerId: string, keepAliveIntervalMs = 200) {
  const { host, port } = address;
  const client = await DispatcherClient.connect(
    { host, port, token: address.credential(workerId) },
    {
      workerId,
      keepAliveIntervalMs,
      connectTimeoutMs: 3000,
    },
  );
  clients.push(client);
  return client;
}

/** A worker that pulls until stopped, taking `workMs` per split. */
export async function drain(client: DispatcherClient, label: string, workMs = 0): Promise<number> {
  let finished: { splitId: string; results: InputResult[] } | undefined;
  let count = 0;
  for (let split = await client.pull(); split; split = await client.pull(finished)) {
    if (workMs > 0) await sleep(workMs);
    finished = { splitId: split.splitId, results: resultsFor(split, label) };
    count++;
  }
  return count;
}

/** Every input of the job has exactly one result among the splits done. */
export function expectEveryInputOnce(done: CompletedSplit[], inputs: number): void {
  expect(done.flatMap((s) => s.results.map((r) => r.key)).sort()).toEqual(keys(inputs));
}
