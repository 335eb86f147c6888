/**
 * ResNet50 v1.5 as in torchvision: a 7x7/2 stem and 3x3/2 max pool, bottleneck stages of 3, 4, 6
 * and 3 blocks (widths 64, 128, 256, 512, expansion 4, stride on the 3x3 convolution, a projection
 * shortcut on each stage's first block), global average pool and a 2048 -> 1000 classifier. Batch
 * norm is folded into the convolutions, so the graph has 53 Conv nodes and 1 Gemm, about 25.5 M
 * parameters and 4.1 G multiply-accumulates per 224 x 224 image.
 */
import { Random } from '../core/random.js';
import { type FeatureMap, GraphBuilder } from './graph-builder.js';
import { type BuiltModel, checkSeed, type ModelBuildOptions, serialise } from './built-model.js';

/** Blocks per stage and the bottleneck width of each stage. */
const STAGES: ReadonlyArray<{ blocks: number; width: number }> = [
  { blocks: 3, width: 64 },
  { blocks: 4, width: 128 },
  { blocks: 6, width: 256 },
  { blocks: 3, width: 512 },
];
const EXPANSION = 4;
const CLASSES = 1000;

/**
 * Standard deviation of each block's residual branch relative to its shortcut (the last
 * convolution's folded gamma). Below 1 it keeps the residual trunk from growing block after
 * block, as small final batch-norm gammas do in a trained ResNet.
 */
const RESIDUAL_GAIN = 0.5;
/** Standard deviation of the logits (at most; pooling makes it smaller). */
const LOGIT_GAIN = 4;

/** Builds ResNet50 v1.5 with weights drawn from `seed`: input `input` [N,3,224,224], output `logits` [N,1000]. */
export function buildResNet50(options: ModelBuildOptions = {}): BuiltModel {
  const seed = checkSeed(options.seed ?? 0);
  const g = new GraphBuilder(new Random(seed));
  let x = g.imageInput('input', { channels: 3, height: 224, width: 224 });
  x = g.conv(x, { name: 'conv1', outChannels: 64, kernel: 7, stride: 2, pad: 3, centred: false });
  x = g.relu(x, 'relu');
  x = g.maxPool(x, { name: 'maxpool', kernel: 3, stride: 2, pad: 1 });
  STAGES.forEach((stage, s) => {
    for (let b = 0; b < stage.blocks; b++) {
      const stride = s > 0 && b === 0 ? 2 : 1;
      x = bottleneck(g, x, `layer${s + 1}.${b}`, stage.width, stride, b === 0);
    }
  });
  x = g.globalAveragePool(x, 'avgpool');
  x = g.flatten(x, 'flatten');
  const logits = g.gemm(x, { name: 'logits', outFeatures: CLASSES, gain: LOGIT_GAIN });
  g.output(logits);
  return serialise('resnet50', seed, g, {
    graphName: 'resnet50',
    docString:
      'ResNet50 v1.5 architecture (torchvision layout, batch norm folded into the convolutions) with ' +
      `synthetic weights drawn from seed ${seed}. Input: ImageNet-normalised RGB, NCHW.`,
  });
}

function bottleneck(
  g: GraphBuilder,
  input: FeatureMap,
  prefix: string,
  width: number,
  stride: number,
  project: boolean,
): FeatureMap {
  let y = g.conv(input, { name: `${prefix}.conv1`, outChannels: width, kernel: 1 });
  y = g.relu(y, `${prefix}.relu1`);
  y = g.conv(y, { name: `${prefix}.conv2`, outChannels: width, kernel: 3, stride });
  y = g.relu(y, `${prefix}.relu2`);
  y = g.conv(y, { name: `${prefix}.conv3`, outChannels: width * EXPANSION, kernel: 1, gain: RESIDUAL_GAIN });
  const shortcut = project
    ? g.conv(input, { name: `${prefix}.downsample`, outChannels: width * EXPANSION, kernel: 1, stride })
    : input;
  return g.relu(g.add(y, shortcut, `${prefix}.add`), `${prefix}.relu3`);
}
