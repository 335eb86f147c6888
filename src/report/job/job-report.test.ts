import { describe, expect, it } from 'vitest';
import { LAMBDA_PRICES } from '../../core/pricing.js';
import type { SplitAttempt } from '../../core/split-types.js';
import type { InvocationRecord, JobRecord, SplitRecord } from '../../manager/types.js';
import { ErrorGrouper } from './error-groups.js';
import { costBreakdown, countMarks, invocationEnd, progressSeries, timeBreakdown } from './job-figures.js';
import { formatSeconds, formatUsd } from '../svg/format.js';
import { jobReportHtml } from './job-html.js';
import { timelineSvg } from './timeline.js';

const T0 = 1_700_000_000_000;

function invocation(
  workerId: string,
  from: number,
  to: number,
  more: Partial<InvocationRecord> = {},
): InvocationRecord {
  return {
    invocationId: `${workerId}-${from}`,
    submittedAt: T0 + from,
    startedAt: T0 + from + 500,
    endedAt: T0 + to,
    durationMs: to - from - 500,
    billedMs: to - from - 500,
    initMs: 400,
    cold: true,
    memoryMb: 1024,
    workerId,
    splitIds: [],
    attempt: 0,
    ok: true,
    timings: {
      cold: true,
      modelLoadMs: 100,
      stageBusyMs: { load: 100, preprocess: 300, predict: 200 },
      wallMs: 1000,
      images: 4,
    },
    ...more,
  };
}

function attempt(
  n: number,
  kind: SplitAttempt['kind'],
  workerId: string,
  from: number,
  to: number,
  outcome: SplitAttempt['outcome'],
): SplitAttempt {
  return { attempt: n, label: String(n), kind, workerId, startedAt: T0 + from, endedAt: T0 + to, outcome };
}

function split(splitId: string, attempts: SplitAttempt[], error: string | null = null): SplitRecord {
  const winner = attempts.find((a) => a.outcome === 'won');
  return {
    splitId,
    inputs: 4,
    status: 'done',
    workerId: winner?.workerId ?? null,
    startedAt: attempts[0]!.startedAt,
    endedAt: winner?.endedAt ?? attempts[attempts.length - 1]!.endedAt,
    retries: attempts.length - 1,
    error,
    attempts,
  };
}

/** A dynamic job of 4 splits on 4 workers: a failure and its retry, a straggler and its winning copy, a timeout, a stopped worker. */
function record(): JobRecord {
  const invocations = [
    invocation('w0', 0, 3000),
    invocation('w1', 0, 1500, { ok: false, error: 'InjectedFault: worker w1 fails <after> its first split' }),
    invocation('w2', 0, 4000, { ok: false, error: 'invocation timed out after 3500 ms' }),
    invocation('w3', 1000, 3200, {
      ok: false,
      stopped: true,
      error: 'stopped by the job manager: every split was done',
    }),
  ];
  const splits = [
    split('0', [attempt(0, 'first', 'w0', 600, 1200, 'won')]),
    split('1', [
      attempt(0, 'first', 'w1', 600, 1400, 'failed'),
      attempt(1, 'retry', 'w0', 1300, 2000, 'won'),
    ]),
    split('2', [attempt(0, 'first', 'w2', 700, 3900, 'silent'), attempt(1, 'copy', 'w3', 1600, 2600, 'won')]),
    split('3', [attempt(0, 'first', 'w0', 2100, 2900, 'won'), attempt(1, 'copy', 'w3', 2700, 3100, 'lost')]),
  ];
  const prices = LAMBDA_PRICES.x86_64;
  return {
    version: 1,
    jobId: 'job-<x>',
    name: 'job "<b>"',
    status: 'completed',
    startedAt: new Date(T0).toISOString(),
    endedAt: new Date(T0 + 4000).toISOString(),
    spec: {
      prices,
      backend: { type: 'local', maxConcurrency: 4, memoryMb: 1024, timeoutMs: 3500 },
      splitSize: 4,
    } as unknown as JobRecord['spec'],
    pipeline: {
      load: { concurrency: 8 },
      preprocess: { concurrency: 2 },
      predict: { batchSize: 4, intraOpThreads: 1, interOpThreads: 1, replicas: 1 },
      topK: 5,
    },
    inputs: {
      location: '/data/<manifest>.txt',
      kind: 'manifest',
      storage: { type: 'fs', root: '/data' } as never,
      count: 16,
    },
    model: { uri: 'tiny', path: '/cache/tiny.onnx' },
    summary: {
      job: 'job',
      jobId: 'job-<x>',
      status: 'completed',
      mode: 'dynamic',
      backend: 'local',
      inputs: 16,
      ok: 16,
      errors: 0,
      workers: 3,
      invocations: 4,
      failedInvocations: 2,
      retries: 3,
      coldStarts: 4,
      latencySeconds: 3.2,
      elapsedSeconds: 3.2,
      imagesPerSecond: 5,
      billedSeconds: 11,
      functionSeconds: 9,
      initSeconds: 1.6,
      costUsd: 0.0002,
      costPerMillionImagesUsd: 12.5,
      imagesPerDollar: 80000,
      priceModel: prices.name,
      memoryMb: 1024,
      out: '/out',
    },
    splits,
    invocations,
  };
}

const count = (text: string, what: string): number => text.split(what).length - 1;

describe('job figures', () => {
  it('tells how each invocation ended, and counts every mark', () => {
    const r = record();
    expect(r.invocations.map(invocationEnd)).toEqual(['ok', 'failed', 'timeout', 'stopped']);
    expect(countMarks(r)).toEqual({ failed: 1, timeout: 2, retry: 1, 'copy-won': 1, 'copy-lost': 1 });
  });

  it('follows progress and the functions running', () => {
    const p = progressSeries(record());
    expect(p.done.at(-1)).toEqual({ x: 2.9, y: 16 });
    expect(Math.max(...p.running.map((q) => q.y))).toBe(4);
    expect(p.running.at(-1)?.y).toBe(0);
    expect(p.rate.reduce((s, q) => s + q.y, 0)).toBeGreaterThan(0);
  });

  it('sums the stages, finds the tail, and splits the cost into parts that add up', () => {
    const r = record();
    const t = timeBreakdown(r);
    expect(t.stageBusySeconds).toEqual({ load: 0.4, preprocess: 1.2, predict: 0.8 });
    // The last first attempt started at 2.1 s; the last result came at 2.9 s.
    expect(t.tail?.startSeconds).toBeCloseTo(2.1);
    expect(t.tail?.seconds).toBeCloseTo(0.8);
    const c = costBreakdown(r)!;
    const parts = c.byComponent.functionUsd + c.byComponent.initUsd + c.byComponent.requestsUsd;
    expect(parts).toBeCloseTo(c.totalUsd, 12);
    expect(Object.values(c.byEnd).reduce((s, v) => s + v, 0)).toBeCloseTo(c.totalUsd, 12);
    expect(c.byEnd.failed).toBeGreaterThan(0);
  });

  it('groups errors by message, most frequent first, with the first keys', () => {
    const g = new ErrorGrouper();
    for (const [m, k] of [
      ['a', '1'],
      ['b', '2'],
      ['b', '3'],
      ['b', '4'],
      ['b', '5'],
      ['b', '6'],
      ['b', '7'],
    ])
      g.add(m!, k!);
    expect(g.groups()).toEqual([
      { message: 'b', count: 6, first: ['2', '3', '4', '5', '6'] },
      { message: 'a', count: 1, first: ['1'] },
    ]);
  });
});

describe('the timeline and the page', () => {
  it('draws one bar per invocation and the marks counted', () => {
    const r = record();
    const svg = timelineSvg(r);
    expect(count(svg, '<g class="inv ')).toBe(4);
    for (const [kind, n] of Object.entries(countMarks(r)))
      expect(count(svg, `class="mark mark-${kind}"`)).toBe(n);
    // Shaded: the failed, the silent and the lost attempt.
    expect(count(svg, 'class="attempt attempt-')).toBe(3);
  });

  it('is one page that reaches no network, with every value escaped', () => {
    const html = jobReportHtml(record(), {
      inputErrors: [],
      files: [{ name: 'job.json', bytes: 10 }],
      plots: [],
      generatedAt: 'now',
    });
    expect(html).toContain('Content-Security-Policy');
    expect(html).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(html.match(/(?:src|href)="(?!#|data:|job\.json)[^"]*"/g)).toBeNull();
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('<after>');
    expect(html).toContain('job &quot;&lt;b&gt;&quot;');
    // The embedded data cannot close its script element.
    const data = html.split('<script type="application/json" id="report-data">')[1]!.split('</script>')[0]!;
    expect(data).not.toContain('<');
    expect(JSON.parse(data).invocations).toHaveLength(4);
  });

  it('reads the record of a cancelled job, whose latency is null', () => {
    const cancelled = record();
    cancelled.status = 'cancelled';
    cancelled.summary = { ...cancelled.summary, status: 'cancelled', latencySeconds: null };
    const html = jobReportHtml(cancelled, { inputErrors: [], files: [], plots: [], generatedAt: 'now' });
    expect(html).toContain('cancelled');
  });
});

describe('what the functions computed', () => {
  const page = (r: JobRecord): string =>
    jobReportHtml(r, { inputErrors: [], files: [], plots: [], generatedAt: 'now' });
  const preprocess = {
    size: { height: 224, width: 224 },
    resize: { mode: 'shorter-side', cropFraction: 0.875, resizeTo: null },
    interpolation: 'bilinear',
    scale: 1 / 255,
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
    channels: 'RGB',
    layout: 'NCHW',
    dtype: 'float32',
  } as const;
  const fromMetadata = 'model metadata (obifaas.preprocess)';
  const contract = {
    preprocess,
    from: {
      'preprocess.size': "model input 'input' [N, 3, 224, 224]",
      'preprocess.resize': fromMetadata,
      'preprocess.interpolation': fromMetadata,
      labels: 'model metadata (obifaas.labels)',
    },
  } as unknown as NonNullable<JobRecord['contract']>;

  it('shows the task, the preprocessing with its sources, and labels from the model', () => {
    const r = {
      ...record(),
      contract,
      task: { kind: 'classify', output: 'logits', activation: 'auto', threshold: null },
    } as JobRecord;
    const html = page(r);
    expect(html).toContain(
      '<th>Task</th><td>classify, output &apos;logits&apos;, activation auto, top 5</td>',
    );
    expect(html).toContain(
      '224x224, shorter-side (crop 0.875), bilinear, scale 1/255, mean [0.485, 0.456, 0.406], std [0.229, 0.224, 0.225], RGB, NCHW, float32 (size from model input &apos;input&apos; [N, 3, 224, 224]; resize, interpolation from model metadata (obifaas.preprocess))',
    );
    expect(html).toContain('<th>Labels</th><td>from model metadata (obifaas.labels)</td>');
  });

  it('shows an older record without a task as a classifier, and leaves out a contract that does not read', () => {
    const broken = { ...record(), contract: { preprocess: null } } as unknown as JobRecord;
    const html = page(broken);
    expect(html).toContain('<th>Task</th><td>classify, top 5</td>');
    expect(html).not.toContain('<th>Preprocessing</th>');
    expect(html).toContain('<th>Labels</th><td>none (class numbers only)</td>');
  });

  it("shows an embed job's task and where its vectors are", () => {
    const r = {
      ...record(),
      contract,
      task: { kind: 'embed', output: 'features', normalize: true },
      embeddings: { file: 'embeddings.parquet', rows: 16, dims: 1280 },
    } as JobRecord;
    const html = page(r);
    expect(html).toContain('<th>Task</th><td>embed, output &apos;features&apos;, L2-normalised</td>');
    expect(html).toContain('<th>Vectors</th><td>embeddings.parquet: 16 rows x 1280 float32</td>');
    expect(html).toContain('<th>Labels</th><td>not used (embed job)</td>');
  });
});

describe('planned against measured', () => {
  const page = (r: JobRecord): string =>
    jobReportHtml(r, { inputErrors: [], files: [], plots: [], generatedAt: 'now' });

  /** The rows of the page's planned-against-measured table, cell by cell; null without one. */
  function plannedTable(html: string): string[][] | null {
    const at = html.indexOf('<h3>Planned against measured</h3>');
    if (at < 0) return null;
    const table = html.slice(at).split('</table>')[0]!;
    return [...table.matchAll(/<tr>(.*?)<\/tr>/g)].map(([, row]) =>
      [...row!.matchAll(/<t[hd][^>]*>(.*?)<\/t[hd]>/g)].map(([, cell]) => cell!),
    );
  }

  it("sets job.json's plan.predicted against the summary, with the error of each", () => {
    const r: JobRecord = {
      ...record(),
      plan: {
        splits: 4,
        invocations: 3,
        predicted: {
          basis: 'profile lambda-resnet50-3008',
          costUsd: 0.00025,
          costPerMillionImagesUsd: 15.625,
          latencySeconds: 4,
          billedSeconds: 12,
          priceModel: LAMBDA_PRICES.x86_64.name,
        },
      },
    };
    // Measured (the summary): 0.0002 USD, 12.5 USD per million images, 3.2 s: each 20 % below.
    expect(plannedTable(page(r))).toEqual([
      ['', 'predicted', 'measured', 'error'],
      ['cost', formatUsd(0.00025), formatUsd(0.0002), '-20.0 %'],
      ['cost per million images', formatUsd(15.625), formatUsd(12.5), '-20.0 %'],
      ['latency', formatSeconds(4), formatSeconds(3.2), '-20.0 %'],
    ]);
  });

  it('leaves the table out without a prediction, and a figure that is not a number out of it', () => {
    expect(plannedTable(page(record()))).toBeNull();
    const unpredicted = {
      ...record(),
      plan: { splits: 4, invocations: 3, noPrediction: 'no time estimate was given' },
    };
    expect(plannedTable(page(unpredicted))).toBeNull();
    // A job folder is read as found: a figure of another type is no prediction.
    const odd = {
      ...record(),
      plan: { splits: 4, invocations: 3, predicted: { costUsd: '0.1', latencySeconds: 4 } },
    } as unknown as JobRecord;
    expect(plannedTable(page(odd))?.map((row) => row[0])).toEqual(['', 'latency']);
  });
});
