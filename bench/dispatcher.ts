/**
 * Benchmark of the split dispatcher on loopback (no model): how many splits per second it
 * assigns to many simulated workers, and how much CPU it burns while 1,000 idle workers
 * heartbeat, in clear text and over TLS. The dispatcher runs in a child process so that the
 * workers' load does not count.
 *
 *     npm run bench:dispatcher [-- --workers 64 --splits 100000 --per-pull 1,8 --tls off,on --idle 1000 --seconds 20]
 *
 * Writes bench/results/dispatcher.json with `assignmentsPerSecond` (the best of the clear-text
 * runs, with the number of splits per pull it used in `assignmentsPerSecondSplitsPerPull`; every
 * run is under `throughput`), `assignmentsPerSecondTls` and `tlsToClearTextRatio` (the best run
 * over TLS, with a certificate made as a job makes its own and pinned as a worker pins it, against
 * the best in clear text of the same run of the bench), and `heartbeatCpuPercent` (clear text) and
 * `heartbeatCpuPercentTls` (each run under `heartbeats` and `heartbeatsTls`); `--tls` picks the
 * modes of both parts.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { splitBySize } from '../src/core/splitting.js';
import { DispatcherClient, type FinishedSplit, type SplitAssignment } from '../src/rpc/dispatcher-client.js';
import { DispatcherServer } from '../src/rpc/dispatcher-server.js';
import { selfSignedCertificate } from '../src/rpc/self-signed-certificate.js';
import { moduleEntry } from '../src/util/module-entry.js';
import type { InputResult } from '../src/core/prediction.js';
import { machineReport } from './machine.js';

type ToChild =
  | { cmd: 'start'; splits: number; splitSize: number; workers: number; prefix: string; tls: boolean }
  | { cmd: 'cpu' }
  | { cmd: 'exit' };
type FromChild =
  | { type: 'started'; host: string; port: number; credentials: string[]; certPem?: string }
  | { type: 'cpu'; cpuMs: number; atMs: number; done: number };

const KEEP_ALIVE_MS = 2_000;
/** Every simulated worker gets its own connection, as separate functions would. */
const OWN_CONNECTION = { 'grpc.use_local_subchannel_pool': 1 };

/** The child: one dispatcher, answering the parent's questions about its CPU use. */
async function serve(): Promise<void> {
  let server: DispatcherServer | null = null;
  process.on('message', (raw: ToChild) => {
    void (async () => {
      const reply = (m: FromChild): void => void process.send?.(m);
      if (raw.cmd === 'start') {
        const keys = Array.from({ length: raw.splits * raw.splitSize }, (_, i) => `bench/${i}.jpg`);
        const cert = raw.tls ? selfSignedCertificate({ hosts: ['127.0.0.1'] }) : undefined;
        server = new DispatcherServer(splitBySize(keys, raw.splitSize), {
          workerSilentTimeoutMs: 60_000,
          ...(cert ? { tls: cert } : {}),
        });
        const { host, port } = await server.start();
        // One credential per worker, as the job manager gives each invocation its own.
        const credentials = Array.from({ length: raw.workers }, (_, i) =>
          (server as DispatcherServer).credentialFor(`${raw.prefix}${i}`),
        );
        reply({ type: 'started', host, port, credentials, ...(cert ? { certPem: cert.certPem } : {}) });
      } else if (raw.cmd === 'cpu') {
        const { user, system } = process.cpuUsage();
        reply({
          type: 'cpu',
          cpuMs: (user + system) / 1000,
          atMs: performance.now(),
          done: server?.state.progress().doneSplits ?? 0,
        });
      } else {
        await server?.close();
        process.exit(0);
      }
    })();
  });
}

/** The parent's handle on a dispatcher child. */
class Child {
  private readonly proc: ChildProcess;
  private readonly queue: Array<(m: FromChild) => void> = [];

  constructor() {
    const entry = moduleEntry(import.meta.url, './dispatcher');
    this.proc = fork(entry.file, ['--serve'], {
      execArgv: [...entry.execArgv, ...(process.env.BENCH_CHILD_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.proc.on('message', (m: FromChild) => this.queue.shift()?.(m));
  }

  ask<T extends FromChild>(message: ToChild): Promise<T> {
    return new Promise((resolve) => {
      this.queue.push((m) => resolve(m as T));
      this.proc.send(message);
    });
  }

  async exit(): Promise<void> {
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.send({ cmd: 'exit' });
    await exited;
  }
}

const fakeResults = (split: SplitAssignment): InputResult[] =>
  split.keys.map((key) => ({ key, top: [{ class: 7, label: 'tabby cat', score: 0.93 }], error: null }));

async function connectAll(
  address: { host: string; port: number; credentials: string[]; certPem?: string },
  count: number,
  prefix: string,
) {
  const clients: DispatcherClient[] = [];
  for (let i = 0; i < count; i += 50) {
    const batch = Array.from({ length: Math.min(50, count - i) }, (_, j) =>
      DispatcherClient.connect(
        {
          host: address.host,
          port: address.port,
          token: address.credentials[i + j] as string,
          ...(address.certPem ? { tls: { cert: address.certPem } } : {}),
        },
        {
          workerId: `${prefix}${i + j}`,
          keepAliveIntervalMs: KEEP_ALIVE_MS,
          connectTimeoutMs: 30_000,
          channelOptions: OWN_CONNECTION,
        },
      ),
    );
    clients.push(...(await Promise.all(batch)));
  }
  return clients;
}

/** Many workers drain a job of tiny splits as fast as they can, asking for `perPull` splits at a time. */
async function throughput(workers: number, splits: number, splitSize: number, perPull: number, tls: boolean) {
  const child = new Child();
  const started = await child.ask<Extract<FromChild, { type: 'started' }>>({
    cmd: 'start',
    splits,
    splitSize,
    workers,
    prefix: 'busy',
    tls,
  });
  const clients = await connectAll(started, workers, 'busy');
  const before = await child.ask<Extract<FromChild, { type: 'cpu' }>>({ cmd: 'cpu' });
  const t0 = performance.now();
  const parentBefore = process.cpuUsage();
  const counts = await Promise.all(
    clients.map(async (client) => {
      let n = 0;
      let finished: FinishedSplit[] = [];
      for (
        let batch = await client.pullMany([], perPull);
        batch.length > 0;
        batch = await client.pullMany(finished, perPull)
      ) {
        n += batch.length;
        finished = batch.map((split) => ({ splitId: split.splitId, results: fakeResults(split) }));
      }
      return n;
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const parentCpu = process.cpuUsage(parentBefore);
  const workersCpuPercent = (100 * (parentCpu.user + parentCpu.system)) / 1000 / (seconds * 1000);
  const after = await child.ask<Extract<FromChild, { type: 'cpu' }>>({ cmd: 'cpu' });
  for (const c of clients) c.close();
  await child.exit();
  const assigned = counts.reduce((a, b) => a + b, 0);
  if (assigned !== splits || after.done !== splits)
    throw new Error(`assigned ${assigned}, done ${after.done}, expected ${splits}`);
  const serverCpuMs = after.cpuMs - before.cpuMs;
  const serverCpuPercent = (100 * serverCpuMs) / (after.atMs - before.atMs);
  return {
    tls,
    workers,
    splits,
    splitSize,
    splitsPerPull: perPull,
    seconds,
    assignmentsPerSecond: splits / seconds,
    serverCpuPercent,
    /** Splits assigned per second of the dispatcher's own CPU time: its capacity on one free core. */
    assignmentsPerServerCpuSecond: splits / (serverCpuMs / 1000),
    workersCpuPercent,
  };
}

/** Idle workers (each holding one split) heartbeat, over TLS or not; the dispatcher's CPU is measured. */
async function heartbeats(workers: number, seconds: number, tls: boolean) {
  const child = new Child();
  const started = await child.ask<Extract<FromChild, { type: 'started' }>>({
    cmd: 'start',
    splits: workers * 2,
    splitSize: 1,
    workers,
    prefix: 'idle',
    tls,
  });
  const clients = await connectAll(started, workers, 'idle');
  await Promise.all(clients.map((c) => c.pull()));
  await new Promise((r) => setTimeout(r, KEEP_ALIVE_MS)); // let connection setup settle
  const before = await child.ask<Extract<FromChild, { type: 'cpu' }>>({ cmd: 'cpu' });
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const after = await child.ask<Extract<FromChild, { type: 'cpu' }>>({ cmd: 'cpu' });
  for (const c of clients) c.close();
  await child.exit();
  const wallMs = after.atMs - before.atMs;
  const cpuMs = after.cpuMs - before.cpuMs;
  return {
    tls,
    workers,
    keepAliveIntervalMs: KEEP_ALIVE_MS,
    seconds: wallMs / 1000,
    serverCpuMs: cpuMs,
    cpuPercent: (100 * cpuMs) / wallMs,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      workers: { type: 'string', default: '64' },
      splits: { type: 'string', default: '100000' },
      'split-size': { type: 'string', default: '4' },
      'per-pull': { type: 'string', default: '1,8' },
      tls: { type: 'string', default: 'off,on' },
      idle: { type: 'string', default: '1000' },
      seconds: { type: 'string', default: '20' },
      out: {
        type: 'string',
        default: path.join(path.dirname(fileURLToPath(import.meta.url)), 'results', 'dispatcher.json'),
      },
    },
  });
  const loadAverageBefore = os.loadavg();
  const runs: Array<Awaited<ReturnType<typeof throughput>>> = [];
  const modes = values.tls.split(',').map((mode) => mode === 'on');
  for (const perPull of values['per-pull'].split(',').map(Number))
    for (const tls of modes) {
      const busy = await throughput(
        Number(values.workers),
        Number(values.splits),
        Number(values['split-size']),
        perPull,
        tls,
      );
      console.log(
        `throughput, ${tls ? 'TLS' : 'clear text'}, ${perPull} split(s) per pull: ${busy.assignmentsPerSecond.toFixed(0)} assignments/s ` +
          `(${busy.workers} workers, ${busy.splits} splits of ${busy.splitSize}, ${busy.seconds.toFixed(2)} s; ` +
          `dispatcher CPU ${busy.serverCpuPercent.toFixed(0)} % = ${busy.assignmentsPerServerCpuSecond.toFixed(0)} ` +
          `assignments per CPU-second; workers' CPU ${busy.workersCpuPercent.toFixed(0)} %)`,
      );
      runs.push(busy);
    }
  const bestOf = (list: typeof runs) =>
    list.reduce<(typeof runs)[number] | undefined>(
      (a, b) => (a === undefined || b.assignmentsPerSecond > a.assignmentsPerSecond ? b : a),
      undefined,
    );
  const bestTls = bestOf(runs.filter((r) => r.tls));
  const best = bestOf(runs.filter((r) => !r.tls)) ?? bestTls;
  if (!best) throw new Error('no throughput run');
  const tlsRatio =
    bestTls && !best.tls ? bestTls.assignmentsPerSecond / best.assignmentsPerSecond : undefined;
  if (tlsRatio !== undefined) console.log(`TLS against clear text (best runs): ${tlsRatio.toFixed(3)}`);
  const idleRuns: Array<Awaited<ReturnType<typeof heartbeats>>> = [];
  for (const tls of modes) {
    const idle = await heartbeats(Number(values.idle), Number(values.seconds), tls);
    console.log(
      `heartbeats, ${tls ? 'TLS' : 'clear text'}: ${idle.workers} idle workers every ${idle.keepAliveIntervalMs} ms ` +
        `for ${idle.seconds.toFixed(1)} s: dispatcher CPU ${idle.cpuPercent.toFixed(2)} % of one core`,
    );
    idleRuns.push(idle);
  }
  const idle = idleRuns.find((r) => !r.tls);
  const idleTls = idleRuns.find((r) => r.tls);
  const result = {
    assignmentsPerSecond: Math.round(best.assignmentsPerSecond),
    assignmentsPerSecondSplitsPerPull: best.splitsPerPull,
    /**
     * Splits the dispatcher assigns per second of its own CPU time, for the same run: what it
     * would sustain on one core of its own. Wall-clock rates fall short of it when the machine
     * gives the two processes less than a core each.
     */
    assignmentsPerDispatcherCpuSecond: Math.round(best.assignmentsPerServerCpuSecond),
    ...(bestTls
      ? {
          assignmentsPerSecondTls: Math.round(bestTls.assignmentsPerSecond),
          assignmentsPerSecondTlsSplitsPerPull: bestTls.splitsPerPull,
        }
      : {}),
    ...(tlsRatio !== undefined ? { tlsToClearTextRatio: Number(tlsRatio.toFixed(3)) } : {}),
    ...(idle ? { heartbeatCpuPercent: Number(idle.cpuPercent.toFixed(3)) } : {}),
    ...(idleTls ? { heartbeatCpuPercentTls: Number(idleTls.cpuPercent.toFixed(3)) } : {}),
    targets: { assignmentsPerSecond: 20_000, heartbeatCpuPercent: 10 },
    throughput: runs,
    ...(idle ? { heartbeats: idle } : {}),
    ...(idleTls ? { heartbeatsTls: idleTls } : {}),
    machine: await machineReport(loadAverageBefore),
    date: new Date().toISOString(),
  };
  mkdirSync(path.dirname(values.out), { recursive: true });
  writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${values.out}`);
}

if (process.argv.includes('--serve')) await serve();
else await main();
