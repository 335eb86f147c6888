/**
 * Exact int8 inference on x86 CPUs without VNNI. There, ONNX Runtime multiplies uint8
 * activations by int8 weights with `vpmaddubsw`, whose 16-bit sums saturate: a quantized model
 * (such as the Model Zoo's MobileNetV2 int8) loses several points of accuracy. Shifting the
 * weights to uint8 (`w + 128`, zero point `+ 128`) describes the same numbers and selects the
 * uint8 x uint8 kernels, which do not saturate.
 *
 * The rewrite works on the protobuf wire format and copies every field it does not change, so
 * nothing of the model is lost.
 */
import fs from 'node:fs';
import protobuf from 'protobufjs';
import {
  concatBytes as concat,
  lengthDelimited,
  messageBytes,
  ONNX_FIELD,
  parsing,
  readFields,
  renameNodeInputs,
  WIRE_BYTES,
  WIRE_VARINT,
  type WireField,
} from '../models/onnx-wire.js';
import { DataType } from '../models/onnx-proto.js';

/** Positions of the weight and weight-zero-point inputs, and of the activation zero point. */
const QUANTIZED_OPS: Record<string, { weight: number; weightZeroPoint: number; inputZeroPoint: number }> = {
  QLinearConv: { weight: 3, weightZeroPoint: 5, inputZeroPoint: 2 },
  QLinearMatMul: { weight: 3, weightZeroPoint: 5, inputZeroPoint: 2 },
};

/** Suffix of the rewritten initializers' names. */
const U8_SUFFIX = '__obifaas_u8';

/**
 * Whether this CPU saturates uint8 x int8 products: x86-64 without AVX512-VNNI or AVX-VNNI.
 * Only Linux reports the flags we read; elsewhere the answer is false (nothing is rewritten).
 */
export function cpuSaturatesU8S8(cpuinfo?: string): boolean {
  if (process.arch !== 'x64' && cpuinfo === undefined) return false;
  let text = cpuinfo;
  if (text === undefined) {
    try {
      text = fs.readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return false;
    }
  }
  const flags = /^flags\s*:(.*)$/m.exec(text)?.[1]?.split(/\s+/) ?? [];
  if (!flags.includes('avx2')) return false;
  return !flags.includes('avx512_vnni') && !flags.includes('avx_vnni');
}

type Field = WireField;

const text = new TextDecoder();
const str = (f: Field | undefined): string => (f?.value ? text.decode(f.value) : '');

interface Tensor {
  field: Field;
  dataType: number;
  raw: Uint8Array | null;
  int32: number[];
  external: boolean;
  dims: Field[];
}

/** The fields of the message in `field` (`what` names it in an error). */
const fieldsIn = (field: Field, what: string): Field[] => readFields(messageBytes(field, what), what);

function readTensor(field: Field): Tensor {
  const parts = fieldsIn(field, 'an initializer');
  const int32: number[] = [];
  for (const p of parts.filter((f) => f.no === ONNX_FIELD.tensor.int32Data)) {
    if (p.wire === WIRE_VARINT) int32.push(p.varint as number);
    else if (p.value) {
      const r = protobuf.Reader.create(p.value);
      parsing('the int32 data of an initializer', () => {
        while (r.pos < r.len) int32.push(r.int32());
      });
    }
  }
  return {
    field,
    dataType: parts.find((p) => p.no === ONNX_FIELD.tensor.dataType)?.varint ?? 0,
    raw: parts.find((p) => p.no === ONNX_FIELD.tensor.rawData)?.value ?? null,
    int32,
    external: parts.some((p) => p.no === ONNX_FIELD.tensor.dataLocation && p.varint === 1),
    dims: parts.filter((p) => p.no === ONNX_FIELD.tensor.dims),
  };
}

/** An int8 tensor as the uint8 tensor `value + 128`, named `name`. */
function shiftedTensor(tensor: Tensor, source: Uint8Array, name: string): Uint8Array {
  const values = tensor.raw
    ? Uint8Array.from(tensor.raw, (b) => b ^ 0x80)
    : Uint8Array.from(tensor.int32, (v) => (v + 128) & 0xff);
  const w = protobuf.Writer.create();
  const out: Uint8Array[] = tensor.dims.map((d) => source.subarray(d.start, d.end));
  w.uint32((ONNX_FIELD.tensor.dataType << 3) | WIRE_VARINT).int32(DataType.UINT8);
  w.uint32((ONNX_FIELD.tensor.name << 3) | WIRE_BYTES).string(name);
  w.uint32((ONNX_FIELD.tensor.rawData << 3) | WIRE_BYTES).bytes(values);
  return concat([...out, w.finish()]);
}

/**
 * The model with the int8 weights of its `QLinearConv`/`QLinearMatMul` nodes (uint8
 * activations) shifted to uint8, or null when it has none. Throws `OnnxFormatError` for bytes
 * that are not a protobuf model it can read (the runtime then says what is wrong with them).
 */
export function shiftInt8Weights(model: Uint8Array): Uint8Array | null {
  const top = readFields(model);
  const graphField = top.find((f) => f.no === ONNX_FIELD.model.graph && f.value);
  if (!graphField) return null;
  const graph = messageBytes(graphField, 'its graph');
  const fields = readFields(graph, 'its graph');
  const inputs = new Set(
    fields
      .filter((f) => f.no === ONNX_FIELD.graph.input)
      .map((f) => str(fieldsIn(f, 'a graph input').find((p) => p.no === ONNX_FIELD.valueInfo.name))),
  );
  const initializers = new Map<string, Tensor>();
  for (const f of fields.filter((x) => x.no === ONNX_FIELD.graph.initializer)) {
    const name = str(fieldsIn(f, 'an initializer').find((p) => p.no === ONNX_FIELD.tensor.name));
    if (!inputs.has(name)) initializers.set(name, readTensor(f));
  }
  const isInt8 = (t: Tensor | undefined): t is Tensor =>
    t !== undefined && t.dataType === DataType.INT8 && !t.external;
  const added = new Map<string, Uint8Array>();
  const nodeRewrites = new Map<Field, Uint8Array>();
  for (const f of fields.filter((x) => x.no === ONNX_FIELD.graph.node)) {
    const parts = fieldsIn(f, 'a node');
    const domain = str(parts.find((p) => p.no === ONNX_FIELD.node.domain));
    const op = QUANTIZED_OPS[str(parts.find((p) => p.no === ONNX_FIELD.node.opType))];
    if (!op || (domain !== '' && domain !== 'ai.onnx')) continue;
    const nodeInputs = parts.filter((p) => p.no === ONNX_FIELD.node.input).map(str);
    const weight = nodeInputs[op.weight] ?? '';
    const weightZero = nodeInputs[op.weightZeroPoint] ?? '';
    const inputZero = initializers.get(nodeInputs[op.inputZeroPoint] ?? '');
    if (inputZero?.dataType !== DataType.UINT8) continue;
    const w = initializers.get(weight);
    const wz = initializers.get(weightZero);
    if (!isInt8(w) || !isInt8(wz)) continue;
    const renames = new Map<number, string>();
    for (const [index, name, tensor] of [
      [op.weight, weight, w],
      [op.weightZeroPoint, weightZero, wz],
    ] as const) {
      const renamed = `${name}${U8_SUFFIX}`;
      if (!added.has(renamed))
        added.set(renamed, shiftedTensor(tensor, messageBytes(tensor.field, 'an initializer'), renamed));
      renames.set(index, renamed);
    }
    nodeRewrites.set(f, renameNodeInputs(f, renames));
  }
  if (nodeRewrites.size === 0) return null;
  const graphParts = fields.map((f) => nodeRewrites.get(f) ?? graph.subarray(f.start, f.end));
  for (const tensor of added.values()) graphParts.push(lengthDelimited(ONNX_FIELD.graph.initializer, tensor));
  const newGraph = lengthDelimited(ONNX_FIELD.model.graph, concat(graphParts));
  return concat(top.map((f) => (f === graphField ? newGraph : model.subarray(f.start, f.end))));
}
