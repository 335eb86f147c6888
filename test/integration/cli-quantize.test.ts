/**
 * `obifaas model quantize` and `model build --int8` as a user runs them: the tiny model on a
 * folder of synthetic images, and every refusal with its exit code and one-line message.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../src/dataset/generate.js';
import { readGraph } from '../../src/models/onnx-graph.js';
import { buildTiny } from '../../src/models/tiny.js';
import { expectRefusal } from '../support/cli-refusal.js';
import { obifaasBin, requireFreshDist } from '../support/obifaas-bin.js';
import { runCli } from '../support/run-cli.js';
import { saturatingQdqModel, writeModel } from '../support/worker-models.js';

let dir: string;
let tiny: string;
let images: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-cli-quantize-'));
  tiny = await writeModel(dir, 'tiny.onnx', buildTiny().bytes);
  images = path.join(dir, 'images');
  await generateDataset({ count: 10, outDir: images, seed: 4 });
  await fs.writeFile(path.join(images, 'images', 'broken.jpg'), 'not a jpeg');
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('obifaas model quantize', () => {
  it('quantizes, skipping unreadable images and saying it found fewer than asked', async () => {
    const out = path.join(dir, 'tiny-int8.onnx');
    const run = await runCli([
      'model',
      'quantize',
      tiny,
      '--calibration',
      path.join(images, 'images'),
      '--images',
      '12',
      '--held-out',
      '4',
      '--out',
      out,
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as {
      images: { calibration: number; heldOut: number; skipped: number; available: number };
      runtime: { int8Kernels: number };
      notQuantized: unknown[];
      layers: Array<{ node: string }>;
      warnings: string[];
      agreement: { images: number };
    };
    expect(report.images).toMatchObject({ available: 11, skipped: 1, calibration: 8, heldOut: 2 });
    expect(report.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/asked for 12 calibration and 4 held-out images, found 10 usable of 11/),
        expect.stringMatching(/skipped 1 unreadable images \(first: broken\.jpg/),
      ]),
    );
    expect(report.runtime.int8Kernels).toBeGreaterThanOrEqual(5);
    expect(report.notQuantized).toEqual([]);
    expect(report.layers.map((l) => l.node)).toEqual(['conv1', 'conv2', 'conv3', 'avgpool', 'logits']);
    expect(report.agreement.images).toBe(2);
    const written = readGraph(await fs.readFile(out));
    expect(written.metadata.find((m) => m.key === 'obifaas.quantization')?.value).toMatch(
      /"method":"entropy"/,
    );

    // Quantizing the result again is refused.
    expectRefusal(
      await runCli([
        'model',
        'quantize',
        out,
        '--calibration',
        images,
        '--out',
        path.join(dir, 'again.onnx'),
      ]),
      /already quantized \(QuantizeLinear x\d+, DequantizeLinear x\d+\); quantize its float32 original/,
    );
  });

  it('prints a table with the layers and what stays float32', async () => {
    const run = await runCli([
      'model',
      'quantize',
      tiny,
      '--calibration',
      path.join(images, 'manifest.txt'),
      '--images',
      '6',
      '--held-out',
      '2',
      '--exclude',
      '@first',
      '--method',
      'percentile',
      '--out',
      path.join(dir, 't2.onnx'),
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/settings\s+percentile 99\.999%.*excluded conv1/);
    expect(run.stdout).toMatch(/left in float32:\n {2}conv1 \(Conv\): excluded/);
    expect(run.stdout).toMatch(/agreement on 2 held-out images: top-1 \d\/2/);
  });

  it('refuses user mistakes with one line and exit code 2', async () => {
    const out = path.join(dir, 'never.onnx');
    const qdq = await writeModel(dir, 'qdq.onnx', saturatingQdqModel());
    const notOnnx = await writeModel(dir, 'not.onnx', 'hello');
    expectRefusal(
      await runCli(['model', 'quantize', qdq, '--calibration', images, '--out', out]),
      /model .*qdq\.onnx is already quantized \(QuantizeLinear x2, DequantizeLinear x3\)/,
    );
    expectRefusal(
      await runCli(['model', 'quantize', notOnnx, '--calibration', images, '--out', out]),
      /model '.*not\.onnx' is not an ONNX model/,
    );
    expectRefusal(
      await runCli(['model', 'quantize', tiny, '--calibration', images, '--exclude', 'conv9', '--out', out]),
      /--exclude: the model has no node named 'conv9' \(did you mean 'conv1'\?\)/,
    );
    expectRefusal(
      await runCli(['model', 'quantize', tiny, '--calibration', path.join(dir, 'nowhere'), '--out', out]),
      /input '.*nowhere' does not exist/,
    );
    expectRefusal(
      await runCli(['model', 'quantize', tiny, '--calibration', images, '--method', 'kl', '--out', out]),
      /--method: expected one of minmax, percentile, entropy, got 'kl'/,
    );
    const missing = await runCli(['model', 'quantize', tiny, '--out', out]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/required option '--calibration <inputs>' not specified/);
    await expect(fs.stat(out)).rejects.toThrow();
  });
});

const sha256 = (bytes: Uint8Array): string => crypto.createHash('sha256').update(bytes).digest('hex');

describe('obifaas model quantize is reproducible', () => {
  it('writes the same bytes from copies in other folders, run from another working directory', async () => {
    // The same model and images in two folders of different names, each quantized from inside its
    // folder (relative paths) into an output of another name, the same exclusions listed in
    // another order; the model records digests, no path.
    await requireFreshDist();
    const runs: Uint8Array[] = [];
    const exclusions = { first: 'conv3,conv2', 'second-copy': 'conv2,conv3' };
    for (const [name, exclude] of Object.entries(exclusions)) {
      const cwd = path.join(dir, name);
      await fs.mkdir(cwd);
      await fs.copyFile(tiny, path.join(cwd, `${name}.onnx`));
      await fs.cp(path.join(images, 'images'), path.join(cwd, 'calibration'), { recursive: true });
      const out = `${name}-int8.onnx`;
      const run = await obifaasBin(
        [
          'model',
          'quantize',
          `${name}.onnx`,
          '--calibration',
          'calibration',
          '--images',
          '6',
          '--held-out',
          '2',
          '--exclude',
          exclude,
          '--out',
          out,
        ],
        { cwd },
      );
      expect(run.code, run.stderr).toBe(0);
      runs.push(await fs.readFile(path.join(cwd, out)));
    }
    const [first = new Uint8Array(), second = new Uint8Array()] = runs;
    expect(sha256(second)).toBe(sha256(first));
    const settings = readGraph(first).metadata.find((m) => m.key === 'obifaas.quantization')?.value ?? '';
    expect(settings).not.toContain(dir);
    expect(JSON.parse(settings)).toMatchObject({
      calibrationImages: 6,
      calibrationSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      seed: 1,
      excluded: ['conv2', 'conv3'],
      sourceModelSha256: sha256(await fs.readFile(tiny)),
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
    });
  });
});

describe('obifaas model build --int8', () => {
  it('builds the int8 version once, then reads it from the cache; another home builds the same bytes', async () => {
    const env = { OBIFAAS_HOME: path.join(dir, 'home') };
    const first = await runCli(['model', 'build', 'tiny', '--int8', '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    const built = JSON.parse(first.stdout) as { path: string; agreement: { images: number } | null };
    expect(built.path).toMatch(/tiny-int8-r\d+-q\d+-seed0\.onnx$/);
    expect(built.agreement?.images).toBe(16);
    const graph = readGraph(await fs.readFile(built.path));
    expect(graph.nodes.some((n) => n.opType === 'QuantizeLinear')).toBe(true);
    const again = await runCli(['model', 'build', 'tiny', '--int8', '--json'], env);
    expect(JSON.parse(again.stdout)).toMatchObject({ path: built.path, agreement: null });

    // Built in another home (its own calibration images, its own paths): the same bytes.
    const elsewhere = await runCli(['model', 'build', 'tiny', '--int8', '--json'], {
      OBIFAAS_HOME: path.join(dir, 'another-home'),
    });
    expect(elsewhere.code, elsewhere.stderr).toBe(0);
    const other = JSON.parse(elsewhere.stdout) as { path: string };
    expect(other.path).not.toBe(built.path);
    expect(sha256(await fs.readFile(other.path))).toBe(sha256(await fs.readFile(built.path)));
  });
});
