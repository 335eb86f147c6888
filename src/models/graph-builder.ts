/**
 * A small builder of image-classifier graphs in ONNX: convolutions with batch norm folded in,
 * ReLU, residual add, max pool, global average pool, flatten, and a fully connected head.
 * Weights are drawn from a seeded generator; every convolution is normalised with analytically
 * estimated channel statistics (see moments.ts), as a trained network's folded batch norm would.
 */
import type { Random } from '../core/random.js';
import { type ChannelMoments, maxPoolMoments, reluMoments, sumMoments, uniformMoments } from './moments.js';
import {
  AttributeType,
  type AttributeProto,
  DataType,
  type DimensionProto,
  float32RawData,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './onnx-proto.js';
import { drawConvWeights, drawGemmWeights } from './weights.js';

/** ONNX IR version and default-domain opset of the models we write. */
export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 13;

/** A tensor in the graph being built, with its shape per image and estimated channel statistics. */
export interface FeatureMap {
  /** Tensor name in the graph. */
  name: string;
  channels: number;
  /** Spatial size; 1 x 1 after global pooling and for flattened vectors. */
  height: number;
  width: number;
  /** Rank 4 (`[N, C, H, W]`) or rank 2 (`[N, C]`, after flatten or gemm). */
  rank: 2 | 4;
  moments: ChannelMoments;
}

/** A convolution whose batch norm is folded in: the output channels get the given moments. */
export interface ConvSpec {
  /** Node name; also names the output tensor and prefixes the weights (`<name>.weight`). */
  name: string;
  outChannels: number;
  /** Square kernel size. */
  kernel: number;
  stride?: number;
  /** Zero padding on every side; default `floor(kernel / 2)`. */
  pad?: number;
  /** Standard deviation of every output channel (the folded batch norm's gamma); default 1. */
  gain?: number;
  /** Mean of every output channel (the folded batch norm's beta); default 0. */
  shift?: number;
  /**
   * Make each output channel's weights sum to zero over the input channels, at every kernel tap
   * (default true). Post-ReLU channels share a common, positive, input-dependent component; a
   * filter that sums to zero ignores it, so channel statistics stay close to their estimates
   * through depth. Turn off on the image input, where the shared component is brightness.
   */
  centred?: boolean;
}

/** A fully connected layer whose output features get mean 0 and standard deviation `gain`. */
export interface GemmSpec {
  name: string;
  outFeatures: number;
  gain?: number;
}

/** Options of the final model file. */
export interface ModelMetadata {
  graphName: string;
  docString: string;
  /** Extra `metadata_props` entries. */
  properties?: Record<string, string>;
}

/** Builds one ONNX graph, op by op, accounting parameters and multiply-accumulates per image. */
export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly names = new Set<string>();
  /** Number of weights and biases. */
  parameterCount = 0;
  /** Multiply-accumulates for one image. */
  macsPerImage = 0;

  constructor(private readonly rng: Random) {}

  /** A float32 image input `[batch, channels, height, width]` with a dynamic batch axis. */
  imageInput(
    name: string,
    shape: { channels: number; height: number; width: number; batchParam?: string },
    moments: ChannelMoments = uniformMoments(shape.channels, 0, 1),
  ): FeatureMap {
    this.claim(name);
    const dims = [shape.batchParam ?? 'batch', shape.channels, shape.height, shape.width];
    this.inputs.push(valueInfo(name, dims));
    return { name, channels: shape.channels, height: shape.height, width: shape.width, rank: 4, moments };
  }

  /** Marks a tensor as a graph output; the batch axis is named `batchParam` (default `batch`). */
  output(x: FeatureMap, batchParam = 'batch'): void {
    const dims = x.rank === 2 ? [batchParam, x.channels] : [batchParam, x.channels, x.height, x.width];
    this.outputs.push(valueInfo(x.name, dims));
  }

  conv(x: FeatureMap, spec: ConvSpec): FeatureMap {
    const stride = spec.stride ?? 1;
    const pad = spec.pad ?? Math.floor(spec.kernel / 2);
    const k = spec.kernel;
    const gain = spec.gain ?? 1;
    const shift = spec.shift ?? 0;
    const { weight, bias } = drawConvWeights(this.rng, spec.outChannels, x.moments, k * k, {
      gain,
      shift,
      centred: spec.centred ?? true,
    });
    const height = Math.floor((x.height + 2 * pad - k) / stride) + 1;
    const width = Math.floor((x.width + 2 * pad - k) / stride) + 1;
    this.macsPerImage += height * width * spec.outChannels * x.channels * k * k;
    const w = this.initializer(`${spec.name}.weight`, [spec.outChannels, x.channels, k, k], weight);
    const b = this.initializer(`${spec.name}.bias`, [spec.outChannels], bias);
    this.node(
      'Conv',
      spec.name,
      [x.name, w, b],
      [
        ints('kernel_shape', [k, k]),
        ints('strides', [stride, stride]),
        ints('pads', [pad, pad, pad, pad]),
        ints('dilations', [1, 1]),
        int('group', 1),
      ],
    );
    return {
      name: spec.name,
      channels: spec.outChannels,
      height,
      width,
      rank: 4,
      moments: uniformMoments(spec.outChannels, shift, gain * gain),
    };
  }

  relu(x: FeatureMap, name: string): FeatureMap {
    this.node('Relu', name, [x.name], []);
    return { ...x, name, moments: reluMoments(x.moments) };
  }

  add(a: FeatureMap, b: FeatureMap, name: string): FeatureMap {
    if (a.channels !== b.channels || a.height !== b.height || a.width !== b.width) {
      throw new RangeError(`${name}: cannot add ${describe(a)} and ${describe(b)}`);
    }
    this.node('Add', name, [a.name, b.name], []);
    return { ...a, name, moments: sumMoments(a.moments, b.moments) };
  }

  maxPool(x: FeatureMap, spec: { name: string; kernel: number; stride: number; pad: number }): FeatureMap {
    const { kernel: k, stride, pad } = spec;
    this.node(
      'MaxPool',
      spec.name,
      [x.name],
      [ints('kernel_shape', [k, k]), ints('strides', [stride, stride]), ints('pads', [pad, pad, pad, pad])],
    );
    const height = Math.floor((x.height + 2 * pad - k) / stride) + 1;
    const width = Math.floor((x.width + 2 * pad - k) / stride) + 1;
    return { ...x, name: spec.name, height, width, moments: maxPoolMoments(x.moments) };
  }

  /**
   * Mean over the spatial axes. The moments keep the per-position variance: the head scales
   * with it, which is a bound on (not an estimate of) the variance of the pooled features.
   */
  globalAveragePool(x: FeatureMap, name: string): FeatureMap {
    this.node('GlobalAveragePool', name, [x.name], []);
    this.macsPerImage += x.channels * x.height * x.width;
    return { ...x, name, height: 1, width: 1 };
  }

  flatten(x: FeatureMap, name: string): FeatureMap {
    this.node('Flatten', name, [x.name], [int('axis', 1)]);
    return { ...x, name, rank: 2, height: 1, width: 1 };
  }

  /**
   * `y = x W^T + b`. Each row of W sums to zero and the bias cancels the estimated mean input,
   * so the outputs depend on how an input differs from the average input, not on the average.
   */
  gemm(x: FeatureMap, spec: GemmSpec): FeatureMap {
    if (x.rank !== 2) throw new RangeError(`${spec.name}: gemm needs a flattened input, got ${describe(x)}`);
    const n = x.channels;
    const gain = spec.gain ?? 1;
    const { weight, bias } = drawGemmWeights(this.rng, spec.outFeatures, x.moments, gain);
    this.macsPerImage += n * spec.outFeatures;
    const w = this.initializer(`${spec.name}.weight`, [spec.outFeatures, n], weight);
    const b = this.initializer(`${spec.name}.bias`, [spec.outFeatures], bias);
    this.node(
      'Gemm',
      spec.name,
      [x.name, w, b],
      [float('alpha', 1), float('beta', 1), int('transA', 0), int('transB', 1)],
    );
    return {
      name: spec.name,
      channels: spec.outFeatures,
      height: 1,
      width: 1,
      rank: 2,
      moments: uniformMoments(spec.outFeatures, 0, gain * gain),
    };
  }

  /** The finished model. */
  toModel(metadata: ModelMetadata): ModelProto {
    const properties = Object.entries(metadata.properties ?? {}).map(([key, value]) => ({ key, value }));
    return {
      irVersion: ONNX_IR_VERSION,
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
      producerName: 'obifaas',
      producerVersion: '0.1.0',
      docString: metadata.docString,
      graph: {
        name: metadata.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
      metadataProps: properties,
    };
  }

  private node(opType: string, name: string, input: string[], attribute: AttributeProto[]): void {
    this.claim(name);
    this.nodes.push({ name, opType, input, output: [name], attribute });
  }

  private initializer(name: string, dims: number[], values: Float32Array): string {
    this.claim(name);
    this.initializers.push({ name, dims, dataType: DataType.FLOAT, rawData: float32RawData(values) });
    this.parameterCount += values.length;
    return name;
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new RangeError(`duplicate tensor name '${name}'`);
    this.names.add(name);
  }
}

function valueInfo(name: string, dims: Array<number | string>): ValueInfoProto {
  const dim: DimensionProto[] = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim } } } };
}

function ints(name: string, values: number[]): AttributeProto {
  return { name, type: AttributeType.INTS, ints: values };
}

function int(name: string, value: number): AttributeProto {
  return { name, type: AttributeType.INT, i: value };
}

function float(name: string, value: number): AttributeProto {
  return { name, type: AttributeType.FLOAT, f: value };
}

function describe(x: FeatureMap): string {
  return x.rank === 2 ? `'${x.name}' [${x.channels}]` : `'${x.name}' [${x.channels}x${x.height}x${x.width}]`;
}
