/**
 * The first step of quantizing a model: what the runtime says of its tensors (types, shapes, the
 * image input) and the plan of what to quantize.
 */
import { defaultOpset, type OnnxGraph } from '../models/onnx-graph.js';
import { resolvePreprocess } from '../protocol/preprocess-resolve.js';
import { describeModel } from '../worker/session.js';
import { planQuantization, type QuantPlan } from './plan.js';
import { exposeTensors } from './rewrite.js';
import { type ImageInput, modelMetadata, type TensorInfo } from './runner.js';

/** A graph ready to calibrate. */
export interface PreparedGraph {
  graph: OnnxGraph;
  input: ImageInput;
  /** Type and shape of every node output. */
  info: Map<string, TensorInfo>;
  floatTensors: Set<string>;
  plan: QuantPlan;
}

/**
 * Loads `graph` with every node output exposed, checks its image input (`file` names it in
 * errors) and plans the quantization.
 */
export async function prepareGraph(
  file: string,
  graph: OnnxGraph,
  options: { perChannel: boolean; exclude: ReadonlySet<string> },
): Promise<PreparedGraph> {
  const probe = await modelMetadata(
    exposeTensors(
      graph,
      graph.nodes.flatMap((n) => n.output).filter((t) => t !== ''),
    ),
  );
  const described = describeModel(file, probe.inputs, probe.outputs);
  // The default preprocessing at the model's size (float32 NCHW: what the calibration feeds).
  const { size } = resolvePreprocess([], described.input).preprocess;
  const input: ImageInput = {
    name: described.inputName,
    height: size.height,
    width: size.width,
    fixedBatch: described.fixedBatch,
  };
  const floatTensors = new Set([
    ...graph.inputs.map((i) => i.name),
    ...[...probe.info].filter(([, t]) => t.type === 'float32').map(([n]) => n),
  ]);
  const plan = planQuantization({
    nodes: graph.nodes,
    initializers: graph.initializers,
    graphInputs: graph.inputs.map((i) => i.name),
    graphOutputs: graph.outputs.map((o) => o.name),
    floatTensors,
    opset: defaultOpset(graph),
    perChannel: options.perChannel,
    exclude: options.exclude,
  });
  return { graph, input, info: probe.info, floatTensors, plan };
}
