/**
 * Preprocessing benchmark: what each preset costs per image, and what uint8 input gives an int8
 * model.
 *
 * - decode: `cropRgb` (decode, orient, resize, crop) of each preset over the worker benchmark's
 *   256 generated JPEGs, CPU ms per image;
 * - tensor: writing one 224x224 image's tensor (float32 NCHW, float32 NHWC BGR, uint8 NHWC),
 *   microseconds per image;
 * - int8 feed: the int8 ResNet50 end to end through `handle()`, fed float32 (preset imagenet)
 *   against the same model behind a uint8 front (`Cast`, then the ImageNet normalisation inside
 *   the graph) fed raw pixels (`dtype: uint8`), in interleaved rounds.
 *
 * Writes bench/results/preprocess.json.
 *
 *   npm run bench:preprocess [-- --images 256 --rounds 3]
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { generateDataset } from '../src/dataset/generate.js';
import { readManifest } from '../src/dataset/manifest.js';
import { editGraph, readGraph } from '../src/models/onnx-graph.js';
import { AttributeType, DataType, float32RawData } from '../src/models/onnx-proto.js';
import { PRESET_NAMES, presetValues } from '../src/protocol/preprocess-presets.js';
import type { ResolvedPreprocess } from '../src/protocol/preprocess.js';
import { ensureInt8BuiltinModel } from '../src/quantize/builtin.js';
import { obifaasHome } from '../src/util/paths.js';
import { defaultPipelineConfig } from '../src/worker/defaults.js';
import { handle } from '../src/worker/handler.js';
import { closeInferencePools } from '../src/worker/inference-pools.js';
import { cropRgb } from '../src/worker/preprocess.js';
import { tensorWriter } from '../src/worker/tensor.js';
import type { WorkerPayload } from '../src/protocol/invocation.js';
import { cpuMs, median } from './machine.js';

const here = path.dirname(fileURLToPath(import.meta.url));

function parseArgs(argv: string[]): { images: number; rounds: number } {
  const options = { images: 256, rounds: 3 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], Number(argv[i + 1])];
    if (flag === '--images') options.images = value;
    else if (flag === '--rounds') options.rounds = value;
    else throw new Error(`unknown flag ${flag} (use --images N, --rounds N)`);
  }
  return options;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** The int8 model behind a uint8 front: raw pixels in, the ImageNet normalisation inside. */
function uint8Front(bytes: Uint8Array): Uint8Array {
  const graph = readGraph(bytes);
  const input = graph.inputs[0]!;
  const x = input.name;
  const front = `${x}_uint8`;
  const floats = (name: string, dims: number[], values: number[]) => ({
    name,
    dims,
    dataType: DataType.FLOAT,
    rawData: float32RawData(Float32Array.from(values)),
  });
  const node = (
    name: string,
    opType: string,
    inputs: string[],
    outputs: string[],
    attribute = [] as never[],
  ) => ({
    name,
    opType,
    input: inputs,
    output: outputs,
    attribute,
  });
  return editGraph(graph, {
    replaceInputs: new Map([
      [
        x,
        {
          name: front,
          type: { tensorType: { elemType: DataType.UINT8, shape: input.type.tensorType.shape } },
        },
      ],
    ]),
    addInitializers: [
      floats('front_255', [], [255]),
      floats('front_mean', [1, 3, 1, 1], [0.485, 0.456, 0.406]),
      floats('front_std', [1, 3, 1, 1], [0.229, 0.224, 0.225]),
    ],
    prepend: [
      {
        ...node('front_cast', 'Cast', [front], ['front_f']),
        attribute: [{ name: 'to', type: AttributeType.INT, i: DataType.FLOAT }],
      },
      node('front_unit', 'Div', ['front_f', 'front_255'], ['front_u']),
      node('front_centre', 'Sub', ['front_u', 'front_mean'], ['front_c']),
      node('front_scale', 'Div', ['front_c', 'front_std'], [x]),
    ],
  });
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const dataDir = path.join(obifaasHome(), 'bench', `worker-dataset-seed1-${options.images}`);
  try {
    await fs.access(path.join(dataDir, 'manifest.txt'));
  } catch {
    console.log(`generating ${options.images} images in ${dataDir} ...`);
    await generateDataset({ count: options.images, outDir: dataDir, seed: 1 });
  }
  const keys = await readManifest(path.join(dataDir, 'manifest.txt'));
  const files = await Promise.all(keys.map((k) => fs.readFile(path.join(dataDir, k))));

  // Decode, resize and crop, one image at a time (as one preprocess task does).
  const decode: Record<string, number> = {};
  for (const name of PRESET_NAMES) {
    const p = presetValues(name);
    await cropRgb(files[0]!, p);
    const c0 = cpuMs();
    for (const bytes of files) await cropRgb(bytes, p);
    decode[name] = round2((cpuMs() - c0) / files.length);
    console.log(`decode ${name}: ${decode[name]} CPU ms per image`);
  }

  // The tensor of one 224x224 image.
  const rgb = await cropRgb(files[0]!, presetValues('imagenet'));
  const variants: Record<string, ResolvedPreprocess> = {
    'float32 NCHW RGB': presetValues('imagenet'),
    'float32 NHWC BGR': { ...presetValues('imagenet'), layout: 'NHWC', channels: 'BGR' },
    'uint8 NHWC RGB': presetValues('uint8-nhwc'),
    'uint8 NCHW RGB': { ...presetValues('uint8-nhwc'), layout: 'NCHW' },
  };
  const tensor: Record<string, number> = {};
  for (const [name, p] of Object.entries(variants)) {
    const writer = tensorWriter(p);
    const batch = writer.allocate(32);
    for (let i = 0; i < 200; i++) writer.write(rgb, batch, i % 32);
    const t0 = performance.now();
    const n = 3000;
    for (let i = 0; i < n; i++) writer.write(rgb, batch, i % 32);
    tensor[name] = round2(((performance.now() - t0) * 1000) / n);
    console.log(`tensor ${name}: ${tensor[name]} us per image`);
  }

  // int8 ResNet50 fed float32 against uint8.
  const int8File = await ensureInt8BuiltinModel('resnet50');
  const uint8File = path.join(os.tmpdir(), `obifaas-bench-resnet50-int8-uint8-${process.pid}.onnx`);
  await fs.writeFile(uint8File, uint8Front(new Uint8Array(await fs.readFile(int8File))));
  const config = defaultPipelineConfig();
  const fed = {
    float32: { uri: int8File, preprocess: presetValues('imagenet') },
    uint8: {
      uri: uint8File,
      preprocess: { ...presetValues('imagenet'), scale: 1, mean: [0, 0, 0], std: [1, 1, 1], dtype: 'uint8' },
    },
  } as const;
  const runs: Record<string, Array<{ imagesPerSec: number; cpuMsPerImage: number }>> = {
    float32: [],
    uint8: [],
  };
  const payload = (kind: keyof typeof fed, some: string[]): WorkerPayload => ({
    kind: 'static',
    jobId: 'bench',
    workerId: 'bench-0',
    model: fed[kind] as WorkerPayload extends { model: infer M } ? M : never,
    storage: { type: 'fs', root: dataDir },
    pipeline: config,
    splits: [{ splitId: 'all', keys: some }],
  });
  try {
    for (const kind of ['float32', 'uint8'] as const) await handle(payload(kind, keys.slice(0, 32)));
    for (let r = 0; r < options.rounds; r++) {
      const order = r % 2 === 0 ? (['float32', 'uint8'] as const) : (['uint8', 'float32'] as const);
      for (const kind of order) {
        const t0 = performance.now();
        const c0 = cpuMs();
        const result = await handle(payload(kind, keys));
        const failed = result.splits.flatMap((s) => s.results).filter((x) => x.error);
        if (failed.length > 0) throw new Error(`${failed.length} inputs failed: ${failed[0]?.error}`);
        runs[kind]!.push({
          imagesPerSec: keys.length / ((performance.now() - t0) / 1000),
          cpuMsPerImage: (cpuMs() - c0) / keys.length,
        });
      }
    }
  } finally {
    await closeInferencePools();
    await fs.rm(uint8File, { force: true });
  }
  const feed = Object.fromEntries(
    Object.entries(runs).map(([k, v]) => [
      k,
      {
        imagesPerSec: round2(median(v.map((x) => x.imagesPerSec))),
        cpuMsPerImage: round2(median(v.map((x) => x.cpuMsPerImage))),
        rounds: v.map((x) => round2(x.imagesPerSec)),
      },
    ]),
  );
  console.log(`int8 ResNet50 fed float32: ${JSON.stringify(feed.float32)}`);
  console.log(`int8 ResNet50 fed uint8:   ${JSON.stringify(feed.uint8)}`);
  const report = {
    benchmark: 'preprocess',
    date: new Date().toISOString(),
    machine: {
      cpus: os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      node: process.version,
      sharp: sharp.versions.sharp,
      loadAverage: os.loadavg().map(round2),
    },
    images: keys.length,
    decodeCpuMsPerImage: decode,
    tensorMicrosecondsPerImage: tensor,
    int8Feed: feed,
  };
  await fs.mkdir(path.join(here, 'results'), { recursive: true });
  await fs.writeFile(path.join(here, 'results', 'preprocess.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log('written to bench/results/preprocess.json');
}

await main();
