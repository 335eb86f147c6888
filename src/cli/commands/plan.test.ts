import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../core/random.js';
import {
  parseCprModel,
  predictCpr,
  predictLatency,
  REFERENCE_CPR_MODEL,
  type CprModel,
} from '../../planning/cpr-model.js';
import { formatCprSample } from '../../planning/cpr-records.js';
import { samplingPlan } from '../../planning/sampling-plan.js';
import { captureCli as run } from '../../../test/support/capture-cli.js';
import { REFERENCE_MODEL_FILE } from './plan-run.js';

const PRICE_3008 = (3008 / 1024) * 1.6667e-5;
const truth: CprModel = { ...REFERENCE_CPR_MODEL, latency: { c0: 4, c1: 1.05, c2: 0.02 } };

/** samples.jsonl lines for the reference's plan, timed by `truth` with 5 % noise. */
function samplesText(): string {
  const random = new Random(11);
  return samplingPlan({ maxImages: 1000, batchSize: 32, seed: 11 })
    .map(({ images, workers }, k) => {
      const jitter = (): number => Math.exp(random.normal(0, 0.05));
      const computeSeconds =
        Math.exp(0.79864 * Math.log(images) + 0.17423 * Math.log(workers) - 0.76546) * jitter();
      const initSeconds = Math.exp(0.99926 * Math.log(workers) + 1.61964) * jitter();
      const latencySeconds = predictLatency(truth, workers, images) * jitter();
      const costUsd = (computeSeconds + initSeconds) * PRICE_3008;
      return formatCprSample({
        images,
        workers,
        computeSeconds,
        initSeconds,
        latencySeconds,
        costUsd,
        memoryMb: 3008,
        job: `cpr-${k}`,
      });
    })
    .join('');
}

describe('obifaas plan and cpr fit', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-plan-cli-'));
  });

  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('ships the reference model, readable in its own layout', async () => {
    const model = parseCprModel(JSON.parse(await fs.readFile(REFERENCE_MODEL_FILE, 'utf8')));
    expect(model.init).toEqual(REFERENCE_CPR_MODEL.init);
    expect(model.compute).toEqual(REFERENCE_CPR_MODEL.compute);
    expect(model.memoryMb).toBe(3008);
  });

  it('plans with the reference model by default and prints JSON', async () => {
    const result = await run('plan', '--images', '1000', '--cpr-per-million', '8', '--json');
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(plan).toMatchObject({
      workers: 3,
      feasible: true,
      memoryMb: 3008,
      modelFile: 'reference',
      latencyModel: 'default',
    });
    expect(plan.predictedCprPerMillion).toBeCloseTo(
      predictCpr(REFERENCE_CPR_MODEL, 3, 1000, PRICE_3008) * 1e6,
      9,
    );
    expect(plan.predictedLatencySeconds).toBeCloseTo(predictLatency(REFERENCE_CPR_MODEL, 3, 1000), 9);
  });

  it('prints a table, and exits 1 with the closest option when no count meets the target', async () => {
    const ok = await run('plan', '--images', '10000', '--deadline', '2m');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(
      /^workers +\d+\nmeeting the target \d+\.\.\d+ \(\d+ counts\)\npredicted CPR +\$\d+\.\d\d per million images\npredicted latency/,
    );
    expect(ok.stdout).toMatch(/^price +\$0\.0000490 per function-second \(3008 MB\)$/m);
    const impossible = await run('plan', '--images', '1000', '--cpr-per-million', '1', '--json');
    expect(impossible.code).toBe(1);
    expect(JSON.parse(impossible.stdout)).toMatchObject({ workers: 1, feasible: false });
    const table = await run('plan', '--images', '1000', '--deadline', '1s');
    expect(table.code).toBe(1);
    expect(table.stdout).toContain('NOT met');
    expect(table.stderr).toMatch(
      /obifaas: no worker count from 1 to 32 meets the 1\.000 s deadline; the fastest, 32 worker/,
    );
  });

  it('writes the trade-off plot with --plot: cost and latency against workers, the chosen count marked', async () => {
    const file = path.join(dir, 'plots', 'plan.svg');
    const result = await run('plan', '--images', '10000', '--deadline', '2m', '--json', '--plot', file);
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout) as { workers: number };
    const svg = await fs.readFile(file, 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain(`chosen: ${plan.workers} workers`);
    expect(svg).toContain('deadline: 120 s');
    expect(svg).toContain('predicted cost per million images (USD)');
  });

  it('refuses bad flags with exit code 2 and one line', async () => {
    for (const [args, message] of [
      [['--images', '10'], /give exactly one target/],
      [['--images', '10', '--cpr-per-million', '8', '--deadline', '5'], /give exactly one target/],
      [['--images', '0', '--deadline', '5'], /--images: expected an integer >= 1/],
      [['--images', '10', '--deadline', 'soon'], /--deadline: expected a duration/],
      [['--images', '10', '--deadline', '5', '--memory', '1769', '--price-per-second', '1'], /not both/],
      [['--images', '10', '--deadline', '5', '--arch', 'mips'], /--arch: expected x86_64 or arm64/],
      [
        ['--images', '10', '--deadline', '5', '--model-file', path.join(os.tmpdir(), 'no-such-model.json')],
        /no such file/,
      ],
    ] as const) {
      const result = await run('plan', ...args);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('fits samples, writes the model and the plot, and plans with the fitted model', async () => {
    const samplesDir = path.join(dir, 'samples');
    await fs.mkdir(samplesDir);
    await fs.writeFile(path.join(samplesDir, 'samples.jsonl'), samplesText());
    const out = path.join(dir, 'models', 'cpr-model.json');
    const fit = await run('cpr', 'fit', samplesDir, '--out', out, '--json');
    expect(fit.code).toBe(0);
    const { fits, layout } = JSON.parse(fit.stdout) as {
      fits: { model: CprModel; plotFile: string }[];
      layout: string;
    };
    expect(layout).toBe('jsonl');
    expect(fits).toHaveLength(1);
    const report = fits[0]!;
    expect(report.plotFile).toBe(path.join(dir, 'models', 'cpr-fit.svg'));
    expect((await fs.readFile(report.plotFile, 'utf8')).startsWith('<svg')).toBe(true);
    const written = parseCprModel(JSON.parse(await fs.readFile(out, 'utf8')));
    expect(written).toEqual(report.model);
    expect(written.fit!.mapeCpr!).toBeLessThan(0.1);
    expect(Math.abs(written.compute.b2 - 0.79864) / 0.79864).toBeLessThan(0.05);

    const table = await run('cpr', 'fit', samplesDir);
    expect(table.stdout).toMatch(
      /held-out error \(5-fold cross-validation, 60 predictions\)\n {2}CPR +MAPE \d+\.\d %/,
    );
    expect(await fs.stat(path.join(samplesDir, 'cpr-model.json'))).toBeTruthy();

    const plan = await run('plan', '--images', '800', '--deadline', '60', '--model-file', out, '--json');
    expect(plan.code).toBe(0);
    expect(JSON.parse(plan.stdout)).toMatchObject({ latencyModel: 'fitted', feasible: true, warnings: [] });
  });

  it('reports bad sample lines by number, and refuses too few samples', async () => {
    const bad = path.join(dir, 'bad.jsonl');
    await fs.writeFile(
      bad,
      '{"images": 10, "workers": 1, "computeSeconds": 1, "initSeconds": 1, "latencySeconds": 1, "memoryMb": 3008}\nnot json\n{"images": 5}\n',
    );
    const result = await run('cpr', 'fit', bad);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `${bad}:2: not valid JSON; ${bad}:3: workers: missing: expected an integer >= 1`,
    );
    const one = path.join(dir, 'one.jsonl');
    await fs.writeFile(one, samplesText().split('\n')[0]! + '\n');
    expect((await run('cpr', 'fit', one)).stderr).toMatch(/from 1 sample\(s\): need at least 3/);
    expect((await run('cpr', 'fit', path.join(dir, 'missing'))).stderr).toMatch(/no such folder or file/);
  });
});
