/**
 * bench:report: the size of a job's report.html and how fast it opens, for a synthetic dynamic
 * job of 1,000 invocations (10,000 splits, retries, speculative copies, failures and timeouts,
 * 80,000 inputs of which 2 % have errors). Writes the report with the code `obifaas report`
 * runs, opens it from file:// in headless Chromium (5 times) and records the page's load time
 * (navigation start to the end of the load event) and the time to its first contentful paint.
 * Writes bench/results/report.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAMBDA_PRICES } from '../src/core/pricing.js';
import type { SplitAttempt } from '../src/core/split-types.js';
import { Random } from '../src/core/random.js';
import type { InvocationRecord, JobRecord, SplitRecord } from '../src/manager/types.js';
import { writeJobReport } from '../src/report/write-report.js';
import { compileJobSpec } from '../src/spec/compile.js';
import { openFile } from '../test/support/browser.js';

const INVOCATIONS = 1000;
const SPLITS_PER_WORKER = 10;
const SPLIT_SIZE = 8;
const T0 = Date.UTC(2024, 4, 1, 12);

function syntheticJob(): { record: JobRecord; results: string } {
  const random = new Random(7);
  const invocations: InvocationRecord[] = [];
  const splits: SplitRecord[] = [];
  let splitNumber = 0;
  for (let w = 0; w < INVOCATIONS; w++) {
    const workerId = `w${w}`;
    const submittedAt = T0 + random.int(0, 2000);
    const initMs = random.int(800, 3000);
    const startedAt = submittedAt + initMs + random.int(0, 200);
    let t = startedAt + 50;
    const failsAt = w % 50 === 7 ? 3 : -1;
    const timesOut = w % 97 === 11;
    const splitIds: string[] = [];
    for (let k = 0; k < SPLITS_PER_WORKER; k++) {
      const splitId = String(splitNumber++);
      const took = random.int(400, 900) * (w % 40 === 3 ? 4 : 1);
      const attempts: SplitAttempt[] = [
        {
          attempt: 0,
          label: splitId,
          kind: 'first',
          workerId,
          startedAt: t,
          endedAt: t + took,
          outcome: k === failsAt ? 'failed' : 'won',
        },
      ];
      if (k === failsAt)
        attempts.push({
          attempt: 1,
          label: `${splitId}_1`,
          kind: 'retry',
          workerId: `w${(w + 1) % INVOCATIONS}`,
          startedAt: t + took + 100,
          endedAt: t + took + 700,
          outcome: 'won',
        });
      if (w % 40 === 3 && k === SPLITS_PER_WORKER - 1) {
        attempts[0]!.outcome = 'superseded';
        attempts.push({
          attempt: 1,
          label: `${splitId}_1`,
          kind: 'copy',
          workerId: `w${(w + 7) % INVOCATIONS}`,
          startedAt: t + 1200,
          endedAt: t + 1900,
          outcome: 'won',
        });
      }
      const winner = attempts.find((a) => a.outcome === 'won')!;
      splits.push({
        splitId,
        inputs: SPLIT_SIZE,
        status: 'done',
        workerId: winner.workerId,
        startedAt: t,
        endedAt: winner.endedAt,
        retries: attempts.length - 1,
        error: null,
        attempts,
      });
      splitIds.push(splitId);
      t += took + random.int(5, 40);
      if (k === failsAt) break;
    }
    const endedAt = t;
    const failed = failsAt >= 0 || timesOut;
    invocations.push({
      invocationId: `00000000-0000-4000-8000-${String(w).padStart(12, '0')}`,
      submittedAt,
      startedAt,
      endedAt,
      durationMs: endedAt - startedAt,
      billedMs: Math.ceil(endedAt - startedAt),
      initMs,
      cold: true,
      memoryMb: 3008,
      workerId,
      splitIds: failed ? [] : splitIds,
      attempt: 0,
      ok: !failed,
      ...(failed
        ? {
            error: timesOut
              ? 'invocation timed out after 900000 ms'
              : 'InjectedFault: worker fails after its split',
            retryable: true,
          }
        : {}),
      pid: 10_000 + w,
      modelLoadMs: initMs - 300,
      timings: {
        cold: true,
        modelLoadMs: initMs - 300,
        stageBusyMs: { load: 900, preprocess: 2400, predict: 3100 },
        wallMs: endedAt - startedAt,
        images: splitIds.length * SPLIT_SIZE,
      },
      dispatch: {
        assigned: splitIds.length,
        accepted: splitIds.length,
        duplicate: 0,
        rejected: 0,
        cancelled: 0,
      },
    });
  }
  const inputs = splits.length * SPLIT_SIZE;
  const lines: string[] = [];
  for (let i = 0; i < inputs; i++) {
    const key = `images/${String(i).padStart(6, '0')}.jpg`;
    lines.push(
      JSON.stringify(
        i % 50 === 0
          ? {
              key,
              top: null,
              error: `decode failed: corrupt JPEG data (${i % 3 === 0 ? 'premature end' : 'bad huffman table'})`,
            }
          : {
              key,
              top: [
                { class: i % 1000, score: 0.61 },
                { class: (i * 7) % 1000, score: 0.2 },
              ],
              error: null,
            },
      ),
    );
  }
  const end = Math.max(...invocations.map((i) => i.endedAt));
  const prices = LAMBDA_PRICES.x86_64;
  const billedSeconds = invocations.reduce((s, i) => s + i.billedMs + i.initMs, 0) / 1000;
  const record = {
    version: 1,
    jobId: 'bench-report',
    name: 'bench',
    status: 'completed',
    startedAt: new Date(T0).toISOString(),
    endedAt: new Date(end).toISOString(),
    spec: compileJobSpec(
      {
        inputs: 's3://bench/manifest.txt',
        model: 'resnet50',
        mode: 'dynamic',
        splitSize: SPLIT_SIZE,
        backend: { type: 'lambda', region: 'us-east-1', maxConcurrency: 1000, memoryMb: 3008 },
        out: '/bench',
      },
      { cores: 2, now: new Date(T0), cwd: '/' },
    ),
    pipeline: {
      load: { concurrency: 32 },
      preprocess: { concurrency: 4 },
      predict: { batchSize: 32, intraOpThreads: 2, interOpThreads: 1, replicas: 1 },
      topK: 2,
    },
    inputs: {
      location: 's3://bench/manifest.txt',
      kind: 'manifest',
      storage: { type: 's3', bucket: 'bench' },
      count: inputs,
    },
    model: { uri: 'resnet50', path: '/cache/resnet50.onnx' },
    summary: {
      job: 'bench',
      jobId: 'bench-report',
      status: 'completed',
      mode: 'dynamic',
      backend: 'lambda',
      inputs,
      // Every 50th input, from the first, has an error.
      ok: inputs - Math.ceil(inputs / 50),
      errors: Math.ceil(inputs / 50),
      workers: INVOCATIONS,
      invocations: INVOCATIONS,
      failedInvocations: invocations.filter((i) => !i.ok).length,
      retries: splits.reduce((n, s) => n + s.retries, 0),
      coldStarts: INVOCATIONS,
      elapsedSeconds: (end - T0) / 1000,
      latencySeconds: (end - T0) / 1000,
      imagesPerSecond: inputs / ((end - T0) / 1000),
      billedSeconds,
      functionSeconds: billedSeconds * 0.7,
      initSeconds: billedSeconds * 0.3,
      costUsd: billedSeconds * 4.9e-5,
      costPerMillionImagesUsd: ((billedSeconds * 4.9e-5) / inputs) * 1e6,
      imagesPerDollar: inputs / (billedSeconds * 4.9e-5),
      priceModel: prices.name,
      memoryMb: 3008,
      out: '/bench',
    },
    resultsOrder: 'input',
    splits,
    invocations,
  } as unknown as JobRecord;
  return { record, results: `${lines.join('\n')}\n` };
}

function cpuModel(): string {
  try {
    return (
      /Model name:\s*(.+)/.exec(execFileSync('lscpu', { encoding: 'utf8' }))?.[1]?.trim() ??
      os.cpus()[0]?.model ??
      'unknown'
    );
  } catch {
    return os.cpus()[0]?.model ?? 'unknown';
  }
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-bench-report-'));
  try {
    const { record, results } = syntheticJob();
    await writeFile(path.join(dir, 'job.json'), JSON.stringify(record, null, 2));
    await writeFile(path.join(dir, 'results.jsonl'), results);
    const renders: number[] = [];
    let written = await writeJobReport(dir);
    for (let i = 0; i < 3; i++) {
      const start = process.hrtime.bigint();
      written = await writeJobReport(dir);
      renders.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    const loads: number[] = [];
    const paints: number[] = [];
    for (let i = 0; i < 5; i++) {
      const opened = await openFile(written.file);
      try {
        // Evaluated in the page (this project's types have no DOM).
        const timing = (await opened.page.evaluate(`(() => {
          const nav = performance.getEntriesByType('navigation')[0];
          const paint = performance.getEntriesByName('first-contentful-paint')[0];
          return { load: nav.loadEventEnd, paint: paint ? paint.startTime : NaN };
        })()`)) as { load: number; paint: number };
        loads.push(timing.load);
        paints.push(timing.paint);
        if (opened.errors.length > 0) throw new Error(`page errors: ${opened.errors.join('; ')}`);
        const bars = await opened.page.locator('.timeline g.inv').count();
        if (bars !== INVOCATIONS) throw new Error(`${bars} bars for ${INVOCATIONS} invocations`);
      } finally {
        await opened.close();
      }
    }
    const result = {
      benchmark: 'report',
      description: `report.html of a synthetic dynamic job: ${INVOCATIONS} invocations, ${record.splits.length} splits, ${record.summary.inputs} inputs`,
      invocations: INVOCATIONS,
      splits: record.splits.length,
      inputs: record.summary.inputs,
      jobJsonBytes: Buffer.byteLength(JSON.stringify(record, null, 2)),
      reportBytes: written.bytes,
      renderMsMedian: median(renders),
      browser: {
        loadMsMedian: median(loads),
        firstContentfulPaintMsMedian: median(paints),
        loadMs: loads,
        runs: loads.length,
      },
      machine: { cpus: os.cpus().length, model: cpuModel(), node: process.version },
      flags: 'headless Chromium (Debian), --no-sandbox --disable-gpu, from file://',
    };
    const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results', 'report.json');
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
