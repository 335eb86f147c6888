/**
 * What deciding whether a model needs the int8 saturation probe costs (`int8ProbeNeed`: its node
 * list read at the wire level, the weights skipped), beside what the probe costs (a one-node
 * QLinearConv session, in a fresh process) and what reading the whole file costs. Models:
 * ResNet50 float32 and int8 (built into the model cache if missing) and the MobileNetV2
 * fixtures of ../shared/fixtures/imagenet (beside the checkout) when present (`--fixtures DIR`).
 * Medians of `--rounds` (the page cache warm). Results merge into bench/results/int8-probe-need.json.
 *
 *   npm run bench:int8-probe-need [-- --rounds 20 --fixtures DIR --label NAME]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuiltinModel } from '../src/models/cache.js';
import { readModelOperators } from '../src/models/onnx-operators.js';
import { ensureInt8BuiltinModel } from '../src/quantize/builtin.js';
import { int8ProbeNeed } from '../src/worker/int8-probe-need.js';
import { writeLabelledResult } from './labelled-results.js';
import { machineReport, median } from './machine.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.join(here, 'results', 'int8-probe-need.json');

function parseArgs(argv: string[]): { rounds: number; fixtures: string; label: string } {
  const options = {
    rounds: 20,
    fixtures: path.resolve(here, '..', '..', 'shared', 'fixtures', 'imagenet'),
    label: 'current',
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1] ?? ''];
    if (flag === '--rounds') options.rounds = Number(value);
    else if (flag === '--fixtures') options.fixtures = value;
    else if (flag === '--label') options.label = value;
    else throw new Error(`unknown flag ${flag} (use --rounds N, --fixtures DIR, --label NAME)`);
  }
  if (!Number.isInteger(options.rounds) || options.rounds < 1)
    throw new Error('--rounds must be a whole number ≥ 1');
  return options;
}

/** Median milliseconds of `rounds` calls of `f`. */
function timed(rounds: number, f: () => unknown): number {
  const ms: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    f();
    ms.push(performance.now() - t0);
  }
  return Math.round(median(ms) * 100) / 100;
}

/** The probe in a new process (it runs once per process), in ms: median of a few processes. */
function probeMs(rounds: number): number {
  const script = `import { u8s8Saturates } from ${JSON.stringify(path.join(here, '..', 'src', 'worker', 'int8-probe.ts'))};
await import('onnxruntime-node');
const t0 = performance.now();
await u8s8Saturates();
process.stdout.write(String(performance.now() - t0));`;
  const runs = Array.from({ length: Math.min(rounds, 5) }, () =>
    Number(
      execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        encoding: 'utf8',
      }),
    ),
  );
  return Math.round(median(runs) * 10) / 10;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const models: Record<string, string> = {
    'resnet50 float32': await ensureBuiltinModel('resnet50'),
    'resnet50 int8': await ensureInt8BuiltinModel('resnet50'),
  };
  for (const name of ['mobilenetv2-12-int8.onnx', 'mobilenetv2-12-fp32-from-int8.onnx']) {
    const file = path.join(options.fixtures, name);
    if (fs.existsSync(file)) models[name] = file;
  }
  const loadBefore = os.loadavg();
  const byModel: Record<string, unknown> = {};
  for (const [name, file] of Object.entries(models)) {
    const need = int8ProbeNeed(file);
    byModel[name] = {
      bytes: fs.statSync(file).size,
      operators: readModelOperators(file).length,
      probeNeeded: need.needed,
      why: need.why,
      checkMs: timed(options.rounds, () => int8ProbeNeed(file)),
      readWholeFileMs: timed(options.rounds, () => fs.readFileSync(file)),
    };
  }
  const result = {
    date: new Date().toISOString(),
    rounds: options.rounds,
    probeMs: probeMs(options.rounds),
    models: byModel,
    machine: await machineReport(loadBefore),
  };
  await writeLabelledResult(
    RESULTS,
    {
      benchmark: 'int8-probe-need',
      notes:
        'Whether a model load needs the int8 saturation probe: checkMs is the decision (the node list read at the wire level, weights skipped), readWholeFileMs one read of the file for comparison (page cache warm), probeMs the probe itself in a fresh process with ONNX Runtime already imported. Medians.',
    },
    options.label,
    result,
  );
  console.log(JSON.stringify(result, null, 2));
}

await main();
