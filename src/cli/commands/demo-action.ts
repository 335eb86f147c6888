/** What `obifaas demo` does: prepare the model and the dataset (once), then run the job. */
import path from 'node:path';
import { timestampForName } from '../../spec/compile.js';
import { DEFAULT_DATASET_SEED, generateDataset } from '../../dataset/generate.js';
import { MANIFEST_FILE_NAME } from '../../dataset/manifest.js';
import { type BuiltinModelName, parseBuiltinModelName } from '../../models/builtin.js';
import { builtinModelPath, ensureBuiltinModel } from '../../models/cache.js';
import { obifaasHome, pathExists } from '../../util/paths.js';
import { resolveJobFlags } from '../config-flags.js';
import { DEMO_JOB_FLAGS } from '../job-settings.js';
import type { DemoFlags } from './demo.js';
import { executeJob } from './execute-job.js';

/** How the status lines name each builtin model. */
const MODEL_TITLES: Record<BuiltinModelName, string> = { resnet50: 'ResNet50', tiny: 'tiny' };

export async function runDemo(flags: DemoFlags): Promise<void> {
  const home = obifaasHome();
  // Status lines only on a terminal: pipes and logs get the final output alone.
  const say = (line: string): void => {
    if (process.stderr.isTTY) process.stderr.write(`${line}\n`);
  };
  const name = parseBuiltinModelName(flags.model);
  const title = MODEL_TITLES[name];
  const modelFile = builtinModelPath(name, { home });
  if (!(await pathExists(modelFile)))
    say(`Building the ${title} model (synthetic weights) into ${modelFile} ...`);
  let model = await ensureBuiltinModel(name, { home });
  if (flags.int8) {
    const { ensureInt8BuiltinModel, int8BuiltinModelPath } = await import('../../quantize/builtin.js');
    if (!(await pathExists(int8BuiltinModelPath(name, { home }))))
      say(`Quantizing ${title} to int8 (calibrated on synthetic images, once) ...`);
    model = await ensureInt8BuiltinModel(name, { home });
  }

  const datasetDir = path.join(home, 'datasets', `demo-${flags.count}-seed${DEFAULT_DATASET_SEED}`);
  const manifest = path.join(datasetDir, MANIFEST_FILE_NAME);
  if (!(await pathExists(manifest))) {
    say(`Writing ${flags.count} synthetic JPEG images into ${datasetDir} ...`);
    await generateDataset({ count: flags.count, outDir: datasetDir, seed: DEFAULT_DATASET_SEED });
  }

  const spec = await resolveJobFlags(flags, DEMO_JOB_FLAGS, {
    base: {
      name: 'demo',
      inputs: manifest,
      model,
      out: path.join(home, 'runs', `demo-${timestampForName(new Date())}`),
    },
  });
  say(`Running ${flags.count} images on ${spec.backend.maxConcurrency} local function processes ...`);
  await executeJob(spec, { json: flags.json === true, extraJson: { model, dataset: manifest } });
}
