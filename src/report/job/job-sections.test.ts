import { describe, expect, it } from 'vitest';
import { LAMBDA_PRICES } from '../../core/pricing.js';
import type { JobRecord } from '../../manager/types.js';
import { sampleJobRecord } from '../../../test/support/job-record.js';
import { formatSeconds, formatUsd } from '../svg/format.js';
import { jobReportHtml } from './job-html.js';

/** The page of a job record, with no files, plots or input errors. */
const page = (r: JobRecord): string =>
  jobReportHtml(r, { inputErrors: [], files: [], plots: [], generatedAt: 'now' });

describe('what the functions computed', () => {
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
      ...sampleJobRecord(),
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
    // A record written before the precision was recorded has no row for it.
    expect(html).not.toContain('<th>Precision</th>');
  });

  it("shows whether the job's model is quantized", () => {
    const row = (quantized: boolean): string =>
      page({ ...sampleJobRecord(), contract: { ...contract, quantized } } as JobRecord);
    expect(row(true)).toContain('<th>Precision</th><td>int8 (quantized model)</td>');
    expect(row(false)).toContain('<th>Precision</th><td>not quantized</td>');
  });

  it('shows an older record without a task as a classifier, and leaves out a contract that does not read', () => {
    const broken = { ...sampleJobRecord(), contract: { preprocess: null } } as unknown as JobRecord;
    const html = page(broken);
    expect(html).toContain('<th>Task</th><td>classify, top 5</td>');
    expect(html).not.toContain('<th>Preprocessing</th>');
    expect(html).toContain('<th>Labels</th><td>none (class numbers only)</td>');
  });

  it("shows an embed job's task and where its vectors are", () => {
    const r = {
      ...sampleJobRecord(),
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
      ...sampleJobRecord(),
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
    expect(plannedTable(page(sampleJobRecord()))).toBeNull();
    const unpredicted = {
      ...sampleJobRecord(),
      plan: { splits: 4, invocations: 3, noPrediction: 'no time estimate was given' },
    };
    expect(plannedTable(page(unpredicted))).toBeNull();
    // A job folder is read as found: a figure of another type is no prediction.
    const odd = {
      ...sampleJobRecord(),
      plan: { splits: 4, invocations: 3, predicted: { costUsd: '0.1', latencySeconds: 4 } },
    } as unknown as JobRecord;
    expect(plannedTable(page(odd))?.map((row) => row[0])).toEqual(['', 'latency']);
  });
});

describe('the functions running against the caps', () => {
  /** The figure of functions running, from the job's page. */
  const capsFigure = (r: JobRecord): string =>
    page(r)
      .split('<figure>')
      .find((f) => f.includes('Functions running against the caps'))!;

  it('draws one line labelled with both caps where the backend allows as many functions as were planned', () => {
    const r = sampleJobRecord();
    r.summary = { ...r.summary, workers: 4 }; // the backend's maxConcurrency is 4
    const figure = capsFigure(r);
    expect(figure.split('class="reference"')).toHaveLength(2);
    expect(figure).toContain('>cap: backend concurrency = planned workers</text>');
  });

  it('draws and labels each cap where they differ', () => {
    const figure = capsFigure(sampleJobRecord());
    expect(figure.split('class="reference"')).toHaveLength(3);
    expect(figure).toMatch(/class="reference-label"[^>]*>cap: backend concurrency</);
    expect(figure).toMatch(/class="reference-label"[^>]*>planned workers</);
  });
});
