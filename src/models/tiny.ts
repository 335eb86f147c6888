/**
 * A tiny CNN with ResNet50's input and output contract (input `input` [N,3,224,224], output
 * `logits` [N,1000], dynamic batch): three strided convolutions, global average pool and a
 * classifier. About 150 k parameters and 22 M multiply-accumulates per image; for tests.
 */
import { Random } from '../core/random.js';
import { GraphBuilder } from './graph-builder.js';
import { type BuiltModel, checkSeed, type ModelBuildOptions, serialise } from './built-model.js';

/** Builds the tiny model with weights drawn from `seed`. */
export function buildTiny(options: ModelBuildOptions = {}): BuiltModel {
  const seed = checkSeed(options.seed ?? 0);
  const g = new GraphBuilder(new Random(seed));
  let x = g.imageInput('input', { channels: 3, height: 224, width: 224 });
  x = g.relu(g.conv(x, { name: 'conv1', outChannels: 24, kernel: 5, stride: 4, centred: false }), 'relu1');
  x = g.relu(g.conv(x, { name: 'conv2', outChannels: 48, kernel: 3, stride: 2 }), 'relu2');
  x = g.relu(g.conv(x, { name: 'conv3', outChannels: 96, kernel: 3, stride: 2 }), 'relu3');
  x = g.flatten(g.globalAveragePool(x, 'avgpool'), 'flatten');
  const logits = g.gemm(x, { name: 'logits', outFeatures: 1000, gain: 4 });
  g.output(logits);
  return serialise('tiny', seed, g, {
    graphName: 'tiny',
    docString: `A tiny image classifier for tests, synthetic weights drawn from seed ${seed}.`,
  });
}
