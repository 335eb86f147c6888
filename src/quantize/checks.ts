/**
 * What a model must be before we quantize it, and which nodes `--exclude` names; each refusal
 * is a UserError that says what is wrong and what to do.
 */
import { UserError } from '../errors.js';
import { isQuantized, quantizedOperatorCounts } from '../models/model-description.js';
import type { OnnxGraph } from '../models/onnx-graph.js';
import { closestName } from '../util/suggest.js';

/** Refuses models we cannot quantize: already quantized, or with external weights. */
export function checkQuantizable(file: string, graph: OnnxGraph): void {
  const counts = quantizedOperatorCounts(graph);
  if (isQuantized(graph)) {
    const ops = Object.entries(counts).map(([op, n]) => `${op} x${n}`);
    throw new UserError(
      `model ${file} is already quantized (${ops.length > 0 ? ops.join(', ') : '8-bit weights'}); ` +
        'quantize its float32 original instead',
    );
  }
  const external = [...graph.initializers.values()].filter((i) => i.external);
  if (external.length > 0) {
    throw new UserError(
      `model ${file} keeps ${external.length} tensors in external data files (first: '${external[0]?.name}'); ` +
        'save it as one file first (onnx.save_model(..., save_as_external_data=False))',
    );
  }
  if (graph.nodes.length === 0) throw new UserError(`model ${file} has no nodes`);
}

/** Names `--exclude` accepts besides node names: the first and the last Conv/Gemm/MatMul. */
export const EXCLUDE_FIRST = '@first';
export const EXCLUDE_LAST = '@last';

const COMPUTE = new Set(['Conv', 'Gemm', 'MatMul']);

/** The node names to leave in float32; a UserError naming an unknown node (with a suggestion). */
export function resolveExclusions(graph: OnnxGraph, names: readonly string[]): Set<string> {
  const nodeNames = graph.nodes.map((n) => n.name).filter((n) => n !== '');
  const known = new Set(nodeNames);
  const compute = graph.nodes.filter(
    (n) => COMPUTE.has(n.opType) && (n.domain === '' || n.domain === 'ai.onnx'),
  );
  const out = new Set<string>();
  for (const raw of names) {
    const name = raw.trim();
    if (name === '') continue;
    if (name === EXCLUDE_FIRST || name === EXCLUDE_LAST) {
      const node = name === EXCLUDE_FIRST ? compute[0] : compute[compute.length - 1];
      if (node) out.add(node.name);
      continue;
    }
    if (!known.has(name)) {
      const guess = closestName(name, nodeNames);
      throw new UserError(
        `--exclude: the model has no node named '${name}'${guess ? ` (did you mean '${guess}'?)` : ''}; ` +
          `node names are listed in the report (or use ${EXCLUDE_FIRST}, ${EXCLUDE_LAST})`,
      );
    }
    out.add(name);
  }
  return out;
}
