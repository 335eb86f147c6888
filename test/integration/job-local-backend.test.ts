/**
 * The local backend: the shared conformance suite, plus what only child processes can show
 * (a killed process fails its invocation and is replaced, close() and a dead parent leave no
 * process behind).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeBackendConformance,
  type BackendConformanceFixture,
} from '../../src/backends/conformance.js';
import type { LogSink } from '../../src/backends/local/function-process.js';
import { LocalBackend } from '../../src/backends/local/local-backend.js';
import { generateDataset } from '../../src/dataset/generate.js';
import { ensureBuiltinModel } from '../../src/models/cache.js';
import type { WorkerPayload } from '../../src/protocol/invocation.js';
import { testAccess } from '../support/function-access.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
let dir: string | undefined;
let fixturePromise: Promise<BackendConformanceFixture> | undefined;

/** The tiny model and 8 generated images, built once per file in a temp folder. */
function fixture(): Promise<BackendConformanceFixture> {
  fixturePromise ??= (async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-local-backend-'));
    const model = await ensureBuiltinModel('tiny', { home: dir });
    const data = await generateDataset({ count: 8, outDir: path.join(dir, 'data'), seed: 3 });
    return {
      storage: { type: 'fs', root: path.dirname(data.manifestPath) },
      keys: data.keys,
      model: { uri: model },
    };
  })();
  return fixturePromise;
}

const silentLog = (): LogSink => ({ write: () => true });

describeBackendConformance('local', {
  createBackend: async ({ maxConcurrency }) => new LocalBackend({ maxConcurrency, log: silentLog() }),
  fixture,
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

describe('local backend processes', () => {
  let fx: BackendConformanceFixture;
  beforeAll(async () => {
    fx = await fixture();
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const slowPayload = (workerId: string): WorkerPayload => ({
    kind: 'static',
    jobId: 'j',
    workerId,
    model: fx.model,
    storage: fx.storage,
    pipeline: {
      load: { concurrency: 2 },
      preprocess: { concurrency: 1 },
      predict: { batchSize: 2, intraOpThreads: 1, interOpThreads: 1, replicas: 1 },
      topK: 1,
    },
    splits: [{ splitId: '0', keys: fx.keys.slice(0, 2) }],
    faults: { delayMsPerSplit: 30_000 },
  });

  it('fails the invocation of a killed process, then starts a new one', async () => {
    const backend = new LocalBackend({
      maxConcurrency: 1,
      log: silentLog(),
      access: testAccess({ read: [dir as string] }),
    });
    try {
      const first = await backend.invoke({ kind: 'ping' });
      expect(first.ok).toBe(true);
      const running = backend.invoke(slowPayload('victim'));
      expect(await waitFor(() => backend.processes().some((p) => p.workerId === 'victim'), 10_000)).toBe(
        true,
      );
      const victim = backend.processes().find((p) => p.workerId === 'victim')!;
      process.kill(victim.pid!, 'SIGKILL');
      const inv = await running;
      expect(inv.ok).toBe(false);
      if (!inv.ok) expect(inv.error.message).toMatch(/killed by SIGKILL during the invocation/);
      const next = await backend.invoke({ kind: 'ping' });
      expect(next.ok).toBe(true);
      expect(next.stats.cold).toBe(true);
      if (next.ok) expect(next.result.runtime.pid).not.toBe(victim.pid);
    } finally {
      await backend.close();
    }
  });

  it('close() kills every process', async () => {
    const backend = new LocalBackend({
      maxConcurrency: 2,
      log: silentLog(),
      access: testAccess({ read: [dir as string] }),
    });
    const pings = await Promise.all([backend.invoke({ kind: 'ping' }), backend.invoke({ kind: 'ping' })]);
    const busy = backend.invoke(slowPayload('busy'));
    const pids = pings.flatMap((p) => (p.ok ? [p.result.runtime.pid] : []));
    expect(pids).toHaveLength(2);
    await backend.close();
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect((await busy).ok).toBe(false);
  });

  it('function processes exit when their parent dies', async () => {
    const script = [
      `import { LocalBackend } from ${JSON.stringify(path.join(repoRoot, 'src/backends/local/local-backend.ts'))};`,
      'const backend = new LocalBackend({ maxConcurrency: 1 });',
      "const inv = await backend.invoke({ kind: 'ping' });",
      'console.log(JSON.stringify({ child: inv.ok ? inv.result.runtime.pid : null }));',
      'setInterval(() => {}, 1000);',
    ].join('\n');
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      parent.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      parent.once('exit', (code) => reject(new Error(`parent exited early (${code}): ${out}`)));
    });
    const child = (JSON.parse(line) as { child: number }).child;
    expect(alive(child)).toBe(true);
    parent.kill('SIGKILL');
    expect(await waitFor(() => !alive(child), 10_000)).toBe(true);
  });
});
