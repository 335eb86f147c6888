/**
 * A worker's settings as the optimizer chooses them and `best-worker.json` stores them (pure):
 * memory and the predict stage's batch size, threads and replicas (optionally the load and
 * preprocess concurrency). `obifaas run --worker-config FILE` reads the same file.
 *
 * ```json
 * { "memory": 3008, "batchSize": 32, "interOpThreads": 1, "intraOpThreads": 2, "replicas": 1,
 *   "objective": { "name": "throughput-per-dollar", "direction": "maximize",
 *                  "value": 215433.1, "unit": "images per dollar" },
 *   "trial": 7, "trials": 20, "space": "resnet50" }
 * ```
 *
 * Keys other than the settings (`objective`, `spread`, `trial`, `trials`, `space`, `backend`,
 * `precision`, `model`, `note`, `$comment`) are information and are not applied: the model, int8
 * or float32, is the one `run --model` names.
 */
import * as z from 'zod';
import { SpecError, type Issue } from '../errors.js';
import { pipelineInt } from '../protocol/payload-schema.js';
import { MAX_MEMORY_MB, MIN_MEMORY_MB, type PipelineField } from '../protocol/limits.js';
import { checkSchema, intRange } from '../util/schema.js';
import { isPrecision, PRECISION_PARAMETER, PRECISIONS } from './precision.js';
import type { Parameter, ParameterMap, Params, SearchSpace } from './space.js';

/** The settings a worker config may hold; each a positive integer. */
export interface WorkerSettings {
  /** Function memory, MB (on the local backend it only sets the price). */
  memory?: number;
  batchSize?: number;
  interOpThreads?: number;
  intraOpThreads?: number;
  replicas?: number;
  loadConcurrency?: number;
  preprocessConcurrency?: number;
}

/** The setting names, in the order files list them. */
export const WORKER_SETTING_NAMES = [
  'memory',
  'batchSize',
  'interOpThreads',
  'intraOpThreads',
  'replicas',
  'loadConcurrency',
  'preprocessConcurrency',
] as const satisfies readonly (keyof WorkerSettings)[];

/** The parameters an `optimize` worker space may use: the settings, and the model's precision. */
export const WORKER_SPACE_PARAMETERS: readonly string[] = Object.freeze([
  ...WORKER_SETTING_NAMES,
  PRECISION_PARAMETER,
]);

/** Each setting's payload field: its limit is the worker's own. */
const PIPELINE_FIELD: Record<Exclude<keyof WorkerSettings, 'memory'>, PipelineField> = {
  batchSize: 'predict.batchSize',
  interOpThreads: 'predict.interOpThreads',
  intraOpThreads: 'predict.intraOpThreads',
  replicas: 'predict.replicas',
  loadConcurrency: 'load.concurrency',
  preprocessConcurrency: 'preprocess.concurrency',
};

/** Each setting's schema: memory in Lambda's range, the others within the payload limits. */
const SETTING: Record<keyof WorkerSettings, z.ZodInt> = {
  memory: intRange(MIN_MEMORY_MB, MAX_MEMORY_MB),
  batchSize: pipelineInt(PIPELINE_FIELD.batchSize),
  interOpThreads: pipelineInt(PIPELINE_FIELD.interOpThreads),
  intraOpThreads: pipelineInt(PIPELINE_FIELD.intraOpThreads),
  replicas: pipelineInt(PIPELINE_FIELD.replicas),
  loadConcurrency: pipelineInt(PIPELINE_FIELD.loadConcurrency),
  preprocessConcurrency: pipelineInt(PIPELINE_FIELD.preprocessConcurrency),
};

/** Worker settings, any of them given. */
export const workerSettingsSchema = z.strictObject(
  Object.fromEntries(WORKER_SETTING_NAMES.map((n) => [n, SETTING[n].optional()])) as {
    [K in keyof WorkerSettings]-?: z.ZodOptional<z.ZodInt>;
  },
);

/**
 * A worker config file (`best-worker.json`, or one written by hand): the settings, and keys
 * that describe the result and are not applied. Unknown keys are errors.
 */
export const workerConfigSchema = workerSettingsSchema.extend({
  objective: z
    .strictObject({
      name: z.string(),
      direction: z.enum(['maximize', 'minimize']),
      value: z.number().nullable(),
      unit: z.string(),
    })
    .partial()
    .optional(),
  trial: intRange(0).optional(),
  trials: intRange(0).optional(),
  space: z.string().optional(),
  backend: z.string().optional(),
  precision: z.enum(PRECISIONS).optional(),
  model: z.string().optional(),
  spread: z
    .strictObject({ repeats: intRange(1), median: z.number(), min: z.number(), max: z.number() })
    .optional(),
  note: z.string().optional(),
  $comment: z.string().optional(),
});

/**
 * Reads a worker config from parsed JSON (`best-worker.json` or one written by hand). Throws a
 * {@link SpecError} naming `source` and every bad or unknown key.
 */
export function parseWorkerConfig(json: unknown, source: string): WorkerSettings {
  const what = `invalid worker config ${source}`;
  const parsed = checkSchema(workerConfigSchema, json);
  if (!parsed.ok) throw new SpecError(parsed.issues, what);
  const settings: WorkerSettings = {};
  for (const name of WORKER_SETTING_NAMES)
    if (parsed.data[name] !== undefined) settings[name] = parsed.data[name];
  if (Object.keys(settings).length === 0)
    throw new SpecError(
      [{ path: '(top level)', message: `no settings: expected some of ${WORKER_SETTING_NAMES.join(', ')}` }],
      what,
    );
  return settings;
}

/** The job options (config-file layout) that apply `settings`. */
export function workerConfigOptions(settings: WorkerSettings): Record<string, unknown> {
  const predict: Record<string, number> = {};
  for (const key of ['batchSize', 'interOpThreads', 'intraOpThreads', 'replicas'] as const) {
    if (settings[key] !== undefined) predict[key] = settings[key];
  }
  const pipeline: Record<string, unknown> = {};
  if (Object.keys(predict).length > 0) pipeline.predict = predict;
  if (settings.loadConcurrency !== undefined) pipeline.load = { concurrency: settings.loadConcurrency };
  if (settings.preprocessConcurrency !== undefined)
    pipeline.preprocess = { concurrency: settings.preprocessConcurrency };
  return {
    ...(settings.memory !== undefined ? { backend: { memoryMb: settings.memory } } : {}),
    ...(Object.keys(pipeline).length > 0 ? { pipeline } : {}),
  };
}

/** A trial's parameters as worker settings (a space for workers holds only setting names). */
export function settingsFromParams(params: Params): WorkerSettings {
  const settings: WorkerSettings = {};
  for (const name of WORKER_SETTING_NAMES) {
    const value = params[name];
    if (typeof value === 'number') settings[name] = value;
  }
  return settings;
}

/** A value a space may offer: any positive integer (the function refuses too large ones). */
const SPACE_VALUE = intRange(1);

/**
 * The settings a trial ran with: each of them, memory within Lambda's range, the others any
 * positive integer a space may offer (a setting over the function's limit is a failed trial).
 */
export const trialSettingsSchema = z.strictObject(
  Object.fromEntries(WORKER_SETTING_NAMES.map((n) => [n, n === 'memory' ? SETTING.memory : SPACE_VALUE])) as {
    [K in keyof WorkerSettings]-?: z.ZodInt;
  },
);

/**
 * A value a space offers for a setting: an integer >= 1, memory within Lambda's range. Other
 * upper limits are left to the function (see {@link checkWorkerSpace}).
 */
function checkSetting(name: keyof WorkerSettings, value: unknown, where: string, issues: Issue[]): void {
  const checked = checkSchema(name === 'memory' ? SETTING.memory : SPACE_VALUE, value, where);
  if (!checked.ok) issues.push(...checked.issues);
}

/** `precision` chooses the model: categorical, among the precisions there are. */
function checkPrecision(parameter: Parameter, where: string, issues: Issue[]): void {
  if (parameter.type !== 'categorical') {
    issues.push({
      path: `${where}.type`,
      message: `'${PRECISION_PARAMETER}' is categorical: values ${PRECISIONS.join(', ')}`,
    });
    return;
  }
  parameter.values.forEach((v, i) => {
    if (!isPrecision(v))
      issues.push({
        path: `${where}.values[${i}]`,
        message: `expected one of ${PRECISIONS.join(', ')}, got ${JSON.stringify(v)}`,
      });
  });
  for (const [key, branch] of Object.entries(parameter.branches ?? {}))
    checkMap(branch, `${where}.branches.${key}`, issues);
}

function checkParameter(name: string, parameter: Parameter, where: string, issues: Issue[]): void {
  if (name === PRECISION_PARAMETER) return checkPrecision(parameter, where, issues);
  const setting = name as keyof WorkerSettings;
  if (!(WORKER_SETTING_NAMES as readonly string[]).includes(name)) return; // parseSpace reports it
  if (parameter.type !== 'categorical') {
    if (parameter.type === 'float') {
      issues.push({ path: `${where}.type`, message: `'${name}' takes integers: use int or categorical` });
      return;
    }
    checkSetting(setting, parameter.min, `${where}.min`, issues);
    checkSetting(setting, parameter.max, `${where}.max`, issues);
    return;
  }
  parameter.values.forEach((v, i) => checkSetting(setting, v, `${where}.values[${i}]`, issues));
  for (const [key, branch] of Object.entries(parameter.branches ?? {})) {
    checkMap(branch, `${where}.branches.${key}`, issues);
  }
}

function checkMap(map: ParameterMap, where: string, issues: Issue[]): void {
  for (const [name, parameter] of Object.entries(map))
    checkParameter(name, parameter, `${where}.${name}`, issues);
}

/**
 * Checks that a parsed space only offers values of the right kind: integers >= 1, memory from
 * 128 to 10240 MB. Upper limits are left to the function: a combination it refuses (or runs
 * out of memory on) is a failed trial, and the search goes on. Returns the problems, each with
 * its JSON path.
 */
export function checkWorkerSpace(space: SearchSpace): Issue[] {
  const issues: Issue[] = [];
  checkMap(space.parameters, 'parameters', issues);
  return issues;
}
