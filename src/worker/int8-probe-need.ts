/**
 * Whether loading a model needs the int8 saturation probe's answer (`int8-probe.ts`). The answer
 * changes a session only where ONNX Runtime can run uint8 x int8 products: the QLinear and
 * Integer operators, the com.microsoft quantized operators (QAttention, QGemm,
 * DynamicQuantizeMatMul, MatMulIntegerToFloat, DynamicQuantizeLSTM, ...), and the QDQ pairs
 * (QuantizeLinear/DequantizeLinear) it fuses into them (ONNX Runtime's
 * `Avx2WeightS8ToU8Transformer`, and `int8-weights.ts`). A model whose nodes are all float
 * operators of the standard domains loads without the probe. The node list is read at the wire
 * level without the weights (`models/onnx-operators.ts`); a model it cannot read, or one with
 * operators of another domain, gets the probe.
 */
import { readModelOperators, type ModelOperator } from '../models/onnx-operators.js';

/** Operator domains whose quantized operators the name rule below knows. */
const KNOWN_DOMAINS = new Set(['', 'ai.onnx', 'ai.onnx.ml', 'com.microsoft']);

/**
 * Operator types that quantize, dequantize or compute on quantized tensors: QuantizeLinear,
 * DequantizeLinear, DynamicQuantize*, *Integer*, QLinear*, Q-prefixed com.microsoft operators
 * (QAttention, QGemm, QOrdered*, ...) and the n-bit matrix products.
 */
const QUANTIZED_OPERATOR = /Quantize|Integer|^Q[A-Z]|NBits|Bnb4/;

/** Whether a load needs the probe, and why (for reports and tests). */
export interface Int8ProbeNeed {
  needed: boolean;
  why: string;
}

const describe = (op: ModelOperator): string => (op.domain === '' ? op.opType : `${op.domain}.${op.opType}`);

/** The decision for a model's operators (pure). */
export function int8ProbeNeedOf(operators: readonly ModelOperator[]): Int8ProbeNeed {
  const unknown = operators.find((op) => !KNOWN_DOMAINS.has(op.domain));
  if (unknown) return { needed: true, why: `operator ${describe(unknown)} of another domain` };
  const quantized = operators.find((op) => QUANTIZED_OPERATOR.test(op.opType));
  if (quantized) return { needed: true, why: `quantized operator ${describe(quantized)}` };
  return { needed: false, why: 'no quantized operators' };
}

/**
 * The decision for a model file, from its node list (synchronous reads: call it from a worker
 * thread). Never throws: a model whose graph cannot be read this way needs the probe.
 */
export function int8ProbeNeed(file: string): Int8ProbeNeed {
  let operators: ModelOperator[];
  try {
    operators = readModelOperators(file);
  } catch (err) {
    return { needed: true, why: `graph not read (${err instanceof Error ? err.message : String(err)})` };
  }
  return int8ProbeNeedOf(operators);
}
