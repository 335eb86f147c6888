/**
 * Calibration: the float32 model runs over the calibration images with the activations to
 * quantize exposed as outputs, and each activation's range is collected. The ranges become
 * uint8 scales and zero points (a folded Relu/Clip bounds its tensor's range).
 */
import type { OnnxGraph } from '../models/onnx-graph.js';
import type { QuantPlan } from './plan.js';
import { type ActivationParams, activationParams, clippedActivationParams } from './quant-math.js';
import { type CalibrationMethod, RangeCollector } from './ranges.js';
import { exposeTensors } from './rewrite.js';
import { batchSizeFor, forEachBatch, type ImageInput, type TensorInfo } from './runner.js';

/** What calibration settles for each calibrated activation. */
export interface CalibratedTensor {
  range: { min: number; max: number };
  params: ActivationParams;
}

/** Collects ranges of the plan's calibrated activations over `images`. */
export async function calibrate(
  graph: OnnxGraph,
  plan: QuantPlan,
  input: ImageInput,
  images: readonly Float32Array[],
  info: ReadonlyMap<string, TensorInfo>,
  method: CalibrationMethod,
  percentile?: number,
): Promise<Map<string, CalibratedTensor>> {
  const targets = plan.activations.filter((a) => a.source.kind === 'calibrated').map((a) => a.tensor);
  const collectors = new Map(targets.map((t) => [t, new RangeCollector(method !== 'minmax')]));
  const exposed = exposeTensors(graph, targets);
  const batch = batchSizeFor(
    input,
    targets.map((t) => info.get(t)).filter((t) => t !== undefined),
  );
  await forEachBatch(exposed, 'all', input, images, targets, batch, (outputs) => {
    for (const [name, data] of outputs) collectors.get(name)?.add(data);
  });
  const result = new Map<string, CalibratedTensor>();
  for (const a of plan.activations) {
    if (a.source.kind !== 'calibrated') continue;
    const seen = (collectors.get(a.tensor) as RangeCollector).range(method, percentile);
    const clip = a.source.clip;
    const range = clip ? { min: Math.max(seen.min, clip.min), max: Math.min(seen.max, clip.max) } : seen;
    if (range.min > range.max) range.max = range.min;
    const params = clip
      ? clippedActivationParams(range.min, range.max, clip)
      : activationParams(range.min, range.max);
    result.set(a.tensor, { range, params });
  }
  return result;
}

/** Parameters of every planned activation, shared ones taking their source's. */
export function activationParamsOf(
  plan: QuantPlan,
  calibrated: ReadonlyMap<string, CalibratedTensor>,
): Map<string, ActivationParams> {
  const params = new Map<string, ActivationParams>();
  for (const [t, c] of calibrated) params.set(t, c.params);
  for (const a of plan.activations) {
    if (a.source.kind !== 'shared') continue;
    let source = a.source.with;
    const byName = new Map(plan.activations.map((x) => [x.tensor, x]));
    for (let s = byName.get(source)?.source; s?.kind === 'shared'; s = byName.get(source)?.source)
      source = s.with;
    const p = params.get(source);
    if (p) params.set(a.tensor, p);
  }
  return params;
}
