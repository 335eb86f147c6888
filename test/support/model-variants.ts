/**
 * Variants of an image model built with our own ONNX tooling (`models/onnx-graph.ts`), each
 * computing what the original computes from a differently prepared input: NHWC input (a
 * Transpose in front), BGR input (the channels reversed in front), 0-255 input (the ImageNet
 * scaling inside), and a softmax at the end. Each comes with the preprocessing that feeds it
 * right.
 */
import { editGraph, readGraph, type OnnxGraph } from '../../src/models/onnx-graph.js';
import {
  AttributeType,
  DataType,
  float32RawData,
  type DimensionProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from '../../src/models/onnx-proto.js';
import type { PreprocessSpec } from '../../src/protocol/preprocess.js';

/** The kinds of variant. */
export type VariantKind = 'nhwc' | 'bgr' | 'pixels255' | 'softmax';

/** The preprocessing that feeds each variant as the original's preset `imagenet` feeds it. */
export const VARIANT_PREPROCESS: Record<VariantKind, PreprocessSpec> = {
  nhwc: { preset: 'imagenet', layout: 'NHWC' },
  bgr: { preset: 'imagenet', channels: 'BGR', mean: [0.406, 0.456, 0.485], std: [0.225, 0.224, 0.229] },
  pixels255: { preset: 'imagenet', scale: 1, mean: 0, std: 1 },
  softmax: { preset: 'imagenet' },
};

function node(
  name: string,
  opType: string,
  input: string[],
  output: string[],
  attribute: NodeProto['attribute'] = [],
): NodeProto {
  return { name, opType, input, output, attribute };
}

function floats(name: string, dims: number[], values: number[]): TensorProto {
  return { name, dims, dataType: DataType.FLOAT, rawData: float32RawData(Float32Array.from(values)) };
}

function theInput(graph: OnnxGraph): ValueInfoProto {
  const feeds = graph.inputs.filter((i) => !graph.initializers.has(i.name));
  if (feeds.length !== 1) throw new Error(`expected one input, found ${feeds.length}`);
  return feeds[0] as ValueInfoProto;
}

function withShape(info: ValueInfoProto, name: string, dims: DimensionProto[]): ValueInfoProto {
  return { name, type: { tensorType: { elemType: info.type.tensorType.elemType, shape: { dim: dims } } } };
}

/** `bytes` (an NCHW float32 image model) made into the variant `kind`. */
export function buildVariant(bytes: Uint8Array, kind: VariantKind): Uint8Array {
  const graph = readGraph(bytes);
  const input = theInput(graph);
  const dims = input.type.tensorType.shape.dim;
  const x = input.name;
  switch (kind) {
    case 'nhwc': {
      const front = `${x}_nhwc`;
      const [n, c, h, w] = dims as [DimensionProto, DimensionProto, DimensionProto, DimensionProto];
      return editGraph(graph, {
        replaceInputs: new Map([[x, withShape(input, front, [n, h, w, c])]]),
        prepend: [
          node(
            'variant_nhwc_to_nchw',
            'Transpose',
            [front],
            [x],
            [{ name: 'perm', type: AttributeType.INTS, ints: [0, 3, 1, 2] }],
          ),
        ],
      });
    }
    case 'bgr': {
      const front = `${x}_bgr`;
      return editGraph(graph, {
        replaceInputs: new Map([[x, withShape(input, front, dims)]]),
        addInitializers: [
          { name: 'variant_bgr_order', dims: [3], dataType: DataType.INT64, int64Data: [2, 1, 0] },
        ],
        prepend: [
          node(
            'variant_bgr_to_rgb',
            'Gather',
            [front, 'variant_bgr_order'],
            [x],
            [{ name: 'axis', type: AttributeType.INT, i: 1 }],
          ),
        ],
      });
    }
    case 'pixels255': {
      const front = `${x}_pixels`;
      return editGraph(graph, {
        replaceInputs: new Map([[x, withShape(input, front, dims)]]),
        addInitializers: [
          floats('variant_255', [], [255]),
          floats('variant_mean', [1, 3, 1, 1], [0.485, 0.456, 0.406]),
          floats('variant_std', [1, 3, 1, 1], [0.229, 0.224, 0.225]),
        ],
        prepend: [
          node('variant_unit', 'Div', [front, 'variant_255'], ['variant_unit_out']),
          node('variant_centre', 'Sub', ['variant_unit_out', 'variant_mean'], ['variant_centre_out']),
          node('variant_scale', 'Div', ['variant_centre_out', 'variant_std'], [x]),
        ],
      });
    }
    case 'softmax': {
      const output = graph.outputs[0] as ValueInfoProto;
      const last = graph.nodes.findLastIndex((n) => n.output.includes(output.name));
      const probabilities: ValueInfoProto = {
        name: 'probabilities',
        type: { tensorType: { elemType: DataType.FLOAT, shape: output.type.tensorType.shape } },
      };
      return editGraph(graph, {
        insertAfter: new Map([
          [
            last,
            [
              node(
                'variant_softmax',
                'Softmax',
                [output.name],
                ['probabilities'],
                [{ name: 'axis', type: AttributeType.INT, i: 1 }],
              ),
            ],
          ],
        ]),
        removeOutputs: new Set([output.name]),
        addOutputs: [probabilities],
      });
    }
  }
}
