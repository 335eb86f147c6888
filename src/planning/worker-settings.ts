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
 * Keys other than the settings (`objective`, `trial`, `trials`, `space`, `backend`, `note`,
 * `$comment`) are information and are not applied.
 */
import { SpecError, type Issue } from '../errors.js';
import { PIPELINE_LIMITS } from '../protocol/limits.js';
import { closestName } from '../util/suggest.js';
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

/** Keys of `best-worker.json` that describe the result and are not applied. */
const INFORMATION_KEYS = ['objective', 'trial', 'trials', 'space', 'backend', 'note', '$comment'];

/** Function memory the backends accept, MB (Lambda's range). */
export const MEMORY_RANGE_MB: readonly [number, number] = [128, 10_240];

/** Largest value of each setting (the worker's own payload limits). */
const MAX: Record<keyof WorkerSettings, number> = {
  memory: MEMORY_RANGE_MB[1],
  batchSize: PIPELINE_LIMITS['predict.batchSize'],
  interOpThreads: PIPELINE_LIMITS['predict.interOpThreads'],
  intraOpThreads: PIPELINE_LIMITS['predict.intraOpThreads'],
  replicas: PIPELINE_LIMITS['predict.replicas'],
  loadConcurrency: PIPELINE_LIMITS['load.concurrency'],
  preprocessConcurrency: PIPELINE_LIMITS['preprocess.concurrency'],
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

function checkSetting(
  name: keyof WorkerSettings,
  value: unknown,
  where: string,
  issues: Issue[],
  withMax = true,
): void {
  const min = name === 'memory' ? MEMORY_RANGE_MB[0] : 1;
  const max = withMax || name === 'memory' ? MAX[name] : Number.POSITIVE_INFINITY;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    issues.push({
      path: where,
      message:
        max === Number.POSITIVE_INFINITY
          ? `expected an integer >= ${min}, got ${show(value)}`
          : `expected an integer from ${min} to ${max}, got ${show(value)}`,
    });
  }
}

/**
 * Reads a worker config from parsed JSON (`best-worker.json` or one written by hand). Throws a
 * {@link SpecError} naming `source` and every bad or unknown key.
 */
export function parseWorkerConfig(json: unknown, source: string): WorkerSettings {
  const what = `invalid worker config ${source}`;
  if (!isObject(json)) throw new SpecError([{ path: '(root)', message: 'expected a JSON object' }], what);
  const issues: Issue[] = [];
  const settings: WorkerSettings = {};
  const names: readonly string[] = WORKER_SETTING_NAMES;
  for (const [key, value] of Object.entries(json)) {
    if (names.includes(key)) {
      const name = key as keyof WorkerSettings;
      const before = issues.length;
      checkSetting(name, value, key, issues);
      if (issues.length === before) settings[name] = value as number;
    } else if (!INFORMATION_KEYS.includes(key)) {
      const hint = closestName(key, names);
      issues.push({
        path: key,
        message: `unknown key; ${hint ? `did you mean '${hint}'? ` : ''}settings are ${names.join(', ')}`,
      });
    }
  }
  if (issues.length === 0 && Object.keys(settings).length === 0) {
    issues.push({ path: '(root)', message: `no settings: expected some of ${names.join(', ')}` });
  }
  if (issues.length > 0) throw new SpecError(issues, what);
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

function checkParameter(name: string, parameter: Parameter, where: string, issues: Issue[]): void {
  const setting = name as keyof WorkerSettings;
  if (!(WORKER_SETTING_NAMES as readonly string[]).includes(name)) return; // parseSpace reports it
  if (parameter.type !== 'categorical') {
    if (parameter.type === 'float') {
      issues.push({ path: `${where}.type`, message: `'${name}' takes integers: use int or categorical` });
      return;
    }
    checkSetting(setting, parameter.min, `${where}.min`, issues, false);
    checkSetting(setting, parameter.max, `${where}.max`, issues, false);
    return;
  }
  parameter.values.forEach((v, i) => checkSetting(setting, v, `${where}.values[${i}]`, issues, false));
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
