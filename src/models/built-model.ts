/** What a model builder returns, and the steps every builder shares. */
import type { GraphBuilder, ModelMetadata } from './graph-builder.js';
import { encodeModel } from './onnx-proto.js';

/** Options of a model builder. */
export interface ModelBuildOptions {
  /** Seed of the synthetic weights, an integer in [0, 2^32); default 0. Same seed, same bytes. */
  seed?: number;
}

/** A built model: the ONNX file's bytes and a few facts about it. */
export interface BuiltModel {
  /** Builtin model name, such as `resnet50`. */
  name: string;
  seed: number;
  /** The ONNX file. */
  bytes: Uint8Array;
  /** Number of weights and biases. */
  parameterCount: number;
  /** Multiply-accumulates for one image. */
  macsPerImage: number;
  /** Graph input and output names. */
  inputName: string;
  outputName: string;
}

/** Largest accepted seed. */
export const MAX_SEED = 0xffffffff;

/** Returns the seed if it is an integer in [0, 2^32), throws a RangeError otherwise. */
export function checkSeed(seed: number): number {
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new RangeError(`seed must be an integer from 0 to ${MAX_SEED}, got ${seed}`);
  }
  return seed;
}

/** Encodes a finished graph as an ONNX file. */
export function serialise(name: string, seed: number, g: GraphBuilder, metadata: ModelMetadata): BuiltModel {
  const model = g.toModel({
    ...metadata,
    properties: { 'obifaas.model': name, 'obifaas.seed': String(seed), ...metadata.properties },
  });
  return {
    name,
    seed,
    bytes: encodeModel(model),
    parameterCount: g.parameterCount,
    macsPerImage: g.macsPerImage,
    inputName: 'input',
    outputName: 'logits',
  };
}
