/**
 * The orchestrator with real job managers: jobs run as `runJob` on one shared local backend (child
 * processes, the tiny model, generated images). The caps are checked from what the job managers
 * recorded (`job.json` invocation and job timestamps), not from the orchestrator's own counters.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBackend } from '../../src/backends/local/local-backend.js';
import { generateDataset, type GeneratedDataset } from '../../src/dataset/generate.js';
import { resolveInputs, type ResolvedInputs } from '../../src/dataset/inputs.js';
import type { JobRecord } from '../../src/manager/types.js';
import { ensureBuiltinModel } from '../../src/models/cache.js';
import { createJobRunner, type ManagedJob } from '../../src/orchestrator/job-runner.js';
import { Orchestrator } from '../../src/orchestrator/orchestrator.js';
import { compileJobSpec } from '../../src/spec/compile.js';
import type { ResolvedJobSpec } from '../../src/spec/types.js';
import type { InputResult } from '../../src/core/prediction.js';

let dir: string;
let data: GeneratedDataset;
let dataset: ResolvedInputs;
let base: ResolvedJobSpec;
/** One backend for every test (its processes stay warm); the provisioner's caps bound each test. */
let backend: LocalBackend;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-orch-real-'));
  const model = await ensureBuiltinModel('tiny', { home: dir });
  data = await generateDataset({ count: 10, outDir: path.join(dir, 'data'), seed: 5 });
  dataset = await resolveInputs(data.manifestPath);
  base = compileJobSpec(
    {
      inputs: data.manifestPath,
      model,
      splitSize: 4,
      pipeline: { predict: { batchSize: 4, intraOpThreads: 1 } },
      topK: 1,
    },
    { cores: 2, now: new Date(), cwd: dir },
  );
  backend = new LocalBackend({ maxConcurrency: 4, log: { write: () => true } });
});
afterAll(async () => {
  await backend?.close();
  await rm(dir, { recursive: true, force: true });
});

/** `count` keys of the dataset, cycling (as a replay takes them). */
function keysFor(count: number): string[] {
  return Array.from({ length: count }, (_, i) => data.keys[i % data.keys.length] as string);
}

function job(id: string, inputs: number, extra: Partial<ManagedJob> = {}): ManagedJob {
  return { id, mode: 'static', inputs, workers: 1, splitSize: 4, keys: keysFor(inputs), ...extra };
}

async function readLines(file: string): Promise<InputResult[]> {
  const text = await readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as InputResult);
}

/** Most intervals open at once; an interval ending at t closes before one starting at t opens. */
function peakOverlap(intervals: ReadonlyArray<[number, number]>): number {
  const events = intervals.flatMap(([s, e]): Array<[number, number]> => [
    [s, 1],
    [e, -1],
  ]);
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  for (const [, d] of events) peak = Math.max(peak, (now += d));
  return peak;
}

async function runJobs(
  outRoot: string,
  jobs: ManagedJob[],
  caps: { maxWorkers: number; maxJobs: number },
  settings: ResolvedJobSpec = base,
): Promise<{ orchestrator: Orchestrator<ManagedJob, unknown>; records: Map<string, JobRecord> }> {
  const runner = createJobRunner({ base: settings, dataset, outRoot, backend, home: dir });
  const orchestrator = new Orchestrator<ManagedJob, unknown>({ ...caps, runJob: runner.run });
  const handles = jobs.map((j) => orchestrator.submit(j));
  await Promise.all(handles.map((h) => h.done));
  const records = new Map<string, JobRecord>();
  for (const j of jobs) {
    const text = await readFile(path.join(outRoot, j.id, 'job.json'), 'utf8').catch(() => null);
    if (text !== null) records.set(j.id, JSON.parse(text) as JobRecord);
  }
  return { orchestrator, records };
}

describe('orchestrator with real job managers', () => {
  it('runs three jobs under caps smaller than their sum, never exceeding them, and releases capacity', async () => {
    const outRoot = path.join(dir, 'three');
    // Static jobs at 4 inputs per split ask for 3, 2 and 5 workers: 10 > maxWorkers 4.
    const jobs = [job('a', 12), job('b', 8), job('c', 20)];
    const { orchestrator, records } = await runJobs(outRoot, jobs, { maxWorkers: 4, maxJobs: 2 });

    const outcomes = orchestrator.finished();
    expect(outcomes.map((o) => o.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const byId = new Map(outcomes.map((o) => [o.id, o]));
    expect(byId.get('a')?.workers).toBe(3);
    expect(byId.get('b')?.workers).toBe(1); // corrected to the one worker left
    expect(byId.get('b')?.requestedWorkers).toBe(2);

    for (const j of jobs) {
      const record = records.get(j.id)!;
      expect(record.status).toBe('completed');
      // Every input position has one line, repeated keys included (job c cycles 10 keys twice).
      const lines = await readLines(path.join(outRoot, j.id, 'results.jsonl'));
      expect(lines.length).toBe(j.inputs);
      expect(lines.every((l) => l.error === null && l.top !== null)).toBe(true);
      expect([...lines.map((l) => l.key)].sort()).toEqual([...j.keys].sort());
      expect(record.summary.workers).toBe(byId.get(j.id)?.workers);
    }

    // The caps, from the recorded timestamps.
    const invocations = [...records.values()].flatMap((r) => r.invocations);
    const invocationPeak = peakOverlap(invocations.map((i) => [i.submittedAt, i.endedAt]));
    expect(invocationPeak).toBeGreaterThanOrEqual(3); // job a's three workers ran together
    expect(invocationPeak).toBeLessThanOrEqual(4);
    const jobPeak = peakOverlap(
      [...records.values()].map((r) => [Date.parse(r.startedAt), Date.parse(r.endedAt)]),
    );
    expect(jobPeak).toBeLessThanOrEqual(2);
    // Job c could start only once a or b released its workers.
    const c = records.get('c')!;
    const firstEnd = Math.min(Date.parse(records.get('a')!.endedAt), Date.parse(records.get('b')!.endedAt));
    expect(Date.parse(c.startedAt)).toBeGreaterThanOrEqual(firstEnd);

    const snapshot = orchestrator.snapshot();
    expect(snapshot.runningWorkers).toBe(0);
    expect(snapshot.capacityLeft).toBe(4);
    expect(snapshot.running).toEqual([]);
  }, 60_000);

  it('runs dynamic jobs, each with its own dispatcher, under the caps', async () => {
    const dynamicBase = compileJobSpec(
      {
        inputs: data.manifestPath,
        model: base.model.uri,
        mode: 'dynamic',
        splitSize: 4,
        pipeline: { predict: { batchSize: 4, intraOpThreads: 1 } },
        topK: 1,
      },
      { cores: 2, now: new Date(), cwd: dir },
    );
    const outRoot = path.join(dir, 'dynamic');
    const dynamic = (id: string, inputs: number): ManagedJob =>
      job(id, inputs, { mode: 'dynamic', workers: 3 });
    const jobs = [dynamic('d1', 12), dynamic('d2', 12), dynamic('d3', 8)];
    const { orchestrator, records } = await runJobs(
      outRoot,
      jobs,
      { maxWorkers: 4, maxJobs: 2 },
      dynamicBase,
    );

    expect(orchestrator.finished().map((o) => o.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    for (const j of jobs) {
      const lines = await readLines(path.join(outRoot, j.id, 'results.jsonl'));
      expect(lines.length).toBe(j.inputs);
      expect(lines.every((l) => l.error === null)).toBe(true);
    }
    const list = [...records.values()];
    const invocations = list.flatMap((r) => r.invocations);
    expect(peakOverlap(invocations.map((i) => [i.submittedAt, i.endedAt]))).toBeLessThanOrEqual(4);
    expect(
      peakOverlap(list.map((r) => [Date.parse(r.startedAt), Date.parse(r.endedAt)])),
    ).toBeLessThanOrEqual(2);
    // d1 and d2 ran at the same time, each job manager with its own dispatcher.
    const port = (id: string): number | undefined =>
      (records.get(id) as JobRecord & { dispatcher?: { port: number } }).dispatcher?.port;
    expect(port('d1')).toBeGreaterThan(0);
    expect(port('d2')).toBeGreaterThan(0);
    expect(port('d1')).not.toBe(port('d2'));
    expect(orchestrator.snapshot().runningWorkers).toBe(0);
  }, 60_000);

  it('a failing job releases its capacity, its inputs get error lines, and the others finish', async () => {
    const outRoot = path.join(dir, 'failing');
    const broken = job('broken', 6, {
      overrides: { model: { uri: path.join(dir, 'no-such-model.onnx') } },
    });
    const jobs = [broken, job('ok-1', 8), job('ok-2', 4)];
    const { orchestrator, records } = await runJobs(outRoot, jobs, { maxWorkers: 2, maxJobs: 1 });

    const outcomes = new Map(orchestrator.finished().map((o) => [o.id, o]));
    expect(outcomes.get('broken')?.status).toBe('failed');
    expect(outcomes.get('broken')?.error?.message).toMatch(/no-such-model\.onnx/);
    expect(outcomes.get('ok-1')?.status).toBe('succeeded');
    expect(outcomes.get('ok-2')?.status).toBe('succeeded');
    expect(records.has('broken')).toBe(false);
    const lines = await readLines(path.join(outRoot, 'broken', 'results.jsonl'));
    expect(lines.length).toBe(6);
    expect(lines.every((l) => l.top === null && /^job failed: .*no-such-model/.test(l.error ?? ''))).toBe(
      true,
    );
    // With one job at a time, the next job started after the broken one gave its workers back.
    expect(outcomes.get('ok-1')!.startedAt!).toBeGreaterThanOrEqual(outcomes.get('broken')!.endedAt);
    expect(orchestrator.snapshot().runningWorkers).toBe(0);
  }, 60_000);
});
