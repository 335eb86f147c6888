/**
 * Static post-training quantization of an image model file: sample calibration images through
 * the job's preprocessing, calibrate the activations, write the QDQ model, then measure it.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import { messageOf, UserError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { isBuiltinModelName } from '../models/builtin.js';
import { OnnxFormatError, type OnnxGraph, readGraph } from '../models/onnx-graph.js';
import { preprocessImage } from '../worker/preprocess.js';
import { activationParamsOf, calibrate } from './calibrate.js';
import { checkQuantizable, resolveExclusions } from './checks.js';
import { agreement } from './evaluate.js';
import { type Preprocess, sampleImages } from './images.js';
import { type CalibrationMethod, DEFAULT_CALIBRATION_METHOD, DEFAULT_PERCENTILE } from './ranges.js';
import { driftWarning, INT8_KERNELS, type QuantizeReport } from './report.js';
import { rewriteToQdq } from './rewrite.js';
import { optimizedOperators } from './runner.js';
import { measureLayers } from './layers.js';
import { prepareGraph } from './prepare.js';
import {
  ACTIVATION_FORMAT,
  QUANTIZATION_METADATA_KEY,
  quantizationMetadata,
  sha256Hex,
  weightFormat,
} from './provenance.js';

/** Defaults of `obifaas model quantize`. */
export const QUANTIZE_DEFAULTS = {
  images: 64,
  heldOut: 16,
  method: DEFAULT_CALIBRATION_METHOD,
  /** Calibration images measured for the per-layer errors. */
  measuredImages: 16,
  /** Below this top-1 agreement on the held-out images, the report warns. */
  minAgreement: 0.9,
  seed: 1,
};

/** What to quantize and how. */
export interface QuantizeOptions {
  model: string;
  out: string;
  /** A manifest or a folder of images (local or `s3://`), sampled for calibration. */
  calibration: string;
  images?: number;
  heldOut?: number;
  method?: CalibrationMethod;
  percentile?: number;
  /** Weights per output channel (default true; needs opset 13). */
  perChannel?: boolean;
  /** Node names (or `@first`, `@last`) to leave in float32. */
  exclude?: readonly string[];
  seed?: number;
  minAgreement?: number;
  /** Image bytes to model input; default the job pipeline's (`preprocessImage`). */
  preprocess?: Preprocess;
  /** Extra metadata entries to write into the model. */
  metadata?: Record<string, string>;
}

async function readModel(file: string): Promise<{ bytes: Uint8Array; graph: OnnxGraph }> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const builtin =
      code === 'ENOENT' && isBuiltinModelName(file)
        ? `; '${file}' is a builtin model: \`obifaas model build ${file} --out ${file}.onnx\` writes it as a file`
        : '';
    throw new UserError(
      `cannot read model '${file}': ${code === 'ENOENT' ? 'no such file' : (code ?? messageOf(err))}${builtin}`,
    );
  }
  try {
    return { bytes, graph: readGraph(bytes) };
  } catch (err) {
    if (err instanceof OnnxFormatError) throw new UserError(`model '${file}' is ${err.message}`);
    throw err;
  }
}

/** Quantizes `options.model` into `options.out` and reports how it went. */
export async function quantizeModel(options: QuantizeOptions): Promise<QuantizeReport> {
  const method = options.method ?? QUANTIZE_DEFAULTS.method;
  const want = {
    calibration: options.images ?? QUANTIZE_DEFAULTS.images,
    heldOut: options.heldOut ?? QUANTIZE_DEFAULTS.heldOut,
  };
  if (!Number.isInteger(want.calibration) || want.calibration < 1)
    throw new UserError('--images: expected a positive integer');
  if (!Number.isInteger(want.heldOut) || want.heldOut < 0)
    throw new UserError('--held-out: expected an integer >= 0');
  const { bytes, graph } = await readModel(options.model);
  checkQuantizable(options.model, graph);
  const exclude = resolveExclusions(graph, options.exclude ?? []);

  const perChannel = options.perChannel ?? true;
  const prepared = await prepareGraph(options.model, graph, { perChannel, exclude });
  const { plan, input, floatTensors } = prepared;
  if (!plan.nodes.some((n) => n.quantized))
    throw new UserError(`model ${options.model} has no operator we can quantize`);

  const warnings: string[] = [];
  const seed = options.seed ?? QUANTIZE_DEFAULTS.seed;
  const sample = await sampleImages(
    options.calibration,
    want.calibration + want.heldOut,
    input,
    options.preprocess ?? preprocessImage,
    seed,
  );
  const got = sample.images.length;
  if (got === 0) {
    throw new UserError(
      `no usable calibration images in ${sample.location} (${sample.skipped.length} unreadable: ${sample.skipped[0]?.reason ?? 'none listed'})`,
    );
  }
  const heldOut =
    got >= want.calibration + want.heldOut ? want.heldOut : Math.min(want.heldOut, Math.floor(got / 5));
  const calibrationSample = sample.images.slice(0, got - heldOut);
  const calibrationImages = calibrationSample.map((i) => i.tensor);
  const heldOutImages = sample.images.slice(got - heldOut).map((i) => i.tensor);
  if (got < want.calibration + want.heldOut) {
    warnings.push(
      `asked for ${want.calibration} calibration and ${want.heldOut} held-out images, found ${got} usable of ${sample.available}: ` +
        `calibrating on ${calibrationImages.length}, holding out ${heldOut}`,
    );
  }
  if (sample.skipped.length > 0)
    warnings.push(
      `skipped ${sample.skipped.length} unreadable images (first: ${sample.skipped[0]?.key}: ${sample.skipped[0]?.reason})`,
    );

  const calibrated = await calibrate(
    graph,
    plan,
    input,
    calibrationImages,
    prepared.info,
    method,
    options.percentile,
  );
  const params = activationParamsOf(plan, calibrated);
  const metadata = [
    {
      key: QUANTIZATION_METADATA_KEY,
      value: quantizationMetadata({
        modelSha256: sha256Hex(bytes),
        perChannel,
        method,
        percentile: options.percentile ?? DEFAULT_PERCENTILE,
        seed,
        calibrationImageDigests: calibrationSample.map((i) => i.sha256),
        excluded: exclude,
      }),
    },
    ...Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
  ];
  const qdq = rewriteToQdq(graph, plan, params, metadata);
  try {
    await writeFileAtomic(options.out, qdq.bytes);
  } catch (err) {
    throw new UserError(
      `cannot write '${options.out}': ${(err as NodeJS.ErrnoException).code ?? messageOf(err)}`,
    );
  }

  const runtimeOps = await optimizedOperators(qdq.bytes);
  const measured = calibrationImages.slice(0, QUANTIZE_DEFAULTS.measuredImages);
  const layers = await measureLayers(prepared, qdq, params, measured);
  const agree = await agreement(options.model, options.out, input, heldOutImages, os.availableParallelism());
  const minAgreement = options.minAgreement ?? QUANTIZE_DEFAULTS.minAgreement;
  if (heldOut > 0 && agree.top1Agreement < minAgreement)
    warnings.push(driftWarning(agree.top1Agreement, minAgreement, layers));
  // Nodes of float32 tensors we could have quantized (shape arithmetic and the like is not listed).
  const notQuantized = plan.nodes
    .filter(
      (n) =>
        !n.quantized && n.note !== 'not a quantizable operator' && n.note !== 'its input is not quantized',
    )
    .filter((n) => floatTensors.has(graph.nodes[n.index]?.output[0] ?? ''))
    .map((n) => ({ node: n.name, op: n.opType, reason: n.note ?? '' }));
  const heavyFloat = plan.nodes.filter(
    (n) =>
      !n.quantized && ['Conv', 'ConvTranspose', 'Gemm', 'MatMul'].includes(n.opType) && n.note !== 'excluded',
  );
  if (heavyFloat.length > 0)
    warnings.push(
      `${heavyFloat.length} compute nodes stay float32 (first: ${heavyFloat[0]?.name}: ${heavyFloat[0]?.note})`,
    );
  const count = (quantized: boolean): Record<string, number> => {
    const c: Record<string, number> = {};
    for (const n of plan.nodes) if (n.quantized === quantized) c[n.opType] = (c[n.opType] ?? 0) + 1;
    return c;
  };
  return {
    model: options.model,
    out: options.out,
    sizeBytes: { float32: bytes.length, int8: qdq.bytes.length },
    settings: {
      method,
      percentile: method === 'percentile' ? (options.percentile ?? DEFAULT_PERCENTILE) : null,
      perChannel,
      weights: weightFormat(perChannel),
      activations: ACTIVATION_FORMAT,
      excluded: [...exclude],
    },
    images: {
      source: sample.location,
      available: sample.available,
      requested: want,
      calibration: calibrationImages.length,
      heldOut,
      measured: measured.length,
      skipped: sample.skipped.length,
      skippedExamples: sample.skipped.slice(0, 5),
    },
    operators: { quantized: count(true), float32: count(false) },
    notQuantized,
    runtime: {
      operators: runtimeOps,
      int8Kernels: Object.entries(runtimeOps)
        .filter(([op]) => INT8_KERNELS.test(op))
        .reduce((a, [, n]) => a + n, 0),
    },
    layers,
    agreement: agree,
    warnings,
  };
}
