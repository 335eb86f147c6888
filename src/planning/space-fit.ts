/**
 * Fitting a worker space to a dataset (pure). A trial runs one batch, so a space whose batch
 * sizes exceed the images there are cannot run: the shipped default space is cut down to the
 * dataset (its larger batch sizes left out), while a user's own space is refused with a message
 * that says how to write a smaller one.
 */
import { UserError } from '../errors.js';
import type { Parameter, ParameterMap, SearchSpace } from './space.js';

/** The parameter that sets how many images a trial needs. */
const BATCH = 'batchSize';

/** A batch-size parameter of a space, by its JSON path, and its largest value. */
export interface BatchParameter {
  path: string;
  largest: number;
}

function largestValue(parameter: Parameter): number {
  if (parameter.type !== 'categorical') return parameter.max;
  return Math.max(0, ...parameter.values.map((v) => (typeof v === 'number' ? v : 0)));
}

/** Every batch-size parameter of the space (in every branch), with its largest value. */
export function batchParameters(space: SearchSpace): BatchParameter[] {
  const found: BatchParameter[] = [];
  const visit = (map: ParameterMap, path: string): void => {
    for (const [name, parameter] of Object.entries(map)) {
      if (name === BATCH) found.push({ path: `${path}.${name}`, largest: largestValue(parameter) });
      if (parameter.type === 'categorical')
        for (const [key, branch] of Object.entries(parameter.branches ?? {}))
          visit(branch, `${path}.${name}.branches.${key}`);
    }
  };
  visit(space.parameters, 'parameters');
  return found;
}

/** The largest batch size a space can propose (`fallback`, the base job's, when it has none). */
export function largestBatch(space: SearchSpace, fallback: number): number {
  return Math.max(0, ...batchParameters(space).map((b) => b.largest)) || fallback;
}

/** Batch sizes for an example space that fits `images`: up to four powers of two. */
function exampleBatches(images: number): number[] {
  const powers: number[] = [];
  for (let b = 1; b <= images; b *= 2) powers.push(b);
  return powers.slice(-4);
}

/**
 * Refuses a space that proposes batches larger than `images` (the dataset), naming the
 * parameters and saying how to write a space that fits, with an example.
 */
export function checkSpaceFitsImages(space: SearchSpace, images: number, inputs: string): void {
  const over = batchParameters(space).filter((b) => b.largest > images);
  if (over.length === 0) return;
  const largest = Math.max(...over.map((b) => b.largest));
  const example = JSON.stringify({
    parameters: {
      batchSize: { type: 'categorical', values: exampleBatches(images) },
      replicas: { type: 'int', min: 1, max: 2 },
    },
  });
  throw new UserError(
    `the space proposes batch sizes up to ${largest} (${over.map((b) => b.path).join(', ')}) but --input '${inputs}' ` +
      `has ${images} images, and a trial runs one batch: give at least ${largest} images, or write a space whose ` +
      `batch sizes are at most ${images}, for example ${example} (see docs/optimize.md)`,
  );
}

/** Batch sizes left out of a space, by parameter path (`512`, `128, 256`, `257..512`). */
export interface RemovedBatches {
  path: string;
  values: string;
}

function fitParameter(parameter: Parameter, images: number): { parameter: Parameter; removed: string } {
  if (parameter.type === 'categorical') {
    const kept = parameter.values.filter((v) => typeof v !== 'number' || v <= images);
    const removed = parameter.values.filter((v) => typeof v === 'number' && v > images).join(', ');
    const branches = parameter.branches
      ? Object.fromEntries(
          Object.entries(parameter.branches).filter(([key]) => kept.some((v) => String(v) === key)),
        )
      : undefined;
    return { parameter: { ...parameter, values: kept, ...(branches ? { branches } : {}) }, removed };
  }
  if (parameter.max <= images) return { parameter, removed: '' };
  const removed = parameter.max === images + 1 ? `${parameter.max}` : `${images + 1}..${parameter.max}`;
  return { parameter: { ...parameter, max: images }, removed };
}

/**
 * The space with every batch size above `images` left out (the default space on a small
 * dataset). Throws {@link UserError} when a batch-size parameter would have no value left.
 */
export function fitSpaceToImages(
  space: SearchSpace,
  images: number,
): { space: SearchSpace; removed: RemovedBatches[] } {
  const removed: RemovedBatches[] = [];
  const visit = (map: ParameterMap, path: string): ParameterMap => {
    const out: ParameterMap = {};
    for (const [name, parameter] of Object.entries(map)) {
      const where = `${path}.${name}`;
      let fitted = parameter;
      if (name === BATCH) {
        const smallest =
          parameter.type === 'categorical' ? Math.min(...parameter.values.map(Number)) : parameter.min;
        if (smallest > images)
          throw new UserError(`${where}: every batch size is above the ${images} images of --input`);
        const result = fitParameter(parameter, images);
        if (result.removed !== '') removed.push({ path: where, values: result.removed });
        fitted = result.parameter;
      }
      if (fitted.type === 'categorical' && fitted.branches)
        fitted = {
          ...fitted,
          branches: Object.fromEntries(
            Object.entries(fitted.branches).map(([key, branch]) => [
              key,
              visit(branch, `${where}.branches.${key}`),
            ]),
          ),
        };
      out[name] = fitted;
    }
    return out;
  };
  return { space: { ...space, parameters: visit(space.parameters, 'parameters') }, removed };
}
