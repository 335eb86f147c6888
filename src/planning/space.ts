/**
 * Search spaces for the optimizer (pure): what parameters a trial chooses, their ranges, and
 * which parameters exist only under one choice of another (per-memory ranges, as in the
 * reference). A space file looks like this:
 *
 * ```json
 * { "name": "resnet50",
 *   "parameters": {
 *     "memory": { "type": "categorical", "values": [1769, 3008],
 *       "branches": {
 *         "1769": { "batchSize": { "type": "categorical", "values": [8, 16, 32, 64] },
 *                   "replicas": { "type": "int", "min": 1, "max": 2 } },
 *         "3008": { "batchSize": { "type": "categorical", "values": [8, 16, 32, 64] },
 *                   "replicas": { "type": "int", "min": 1, "max": 4 } } } },
 *     "dropout": { "type": "float", "min": 0.0, "max": 0.5 },
 *     "width": { "type": "int", "min": 8, "max": 512, "log": true } } }
 * ```
 *
 * Types: `categorical` (`values`: distinct strings, numbers or booleans, optional `branches`
 * keyed by a value's text, each a nested parameter map active only when that value is chosen),
 * `int` (`min` <= `max`, integers) and `float` (`min` < `max`); `log: true` samples on a log
 * scale (`min` > 0). A trial's parameters are one flat object: `{memory: 3008, batchSize: 32,
 * replicas: 3, ...}`; a name may appear in several branches of one parameter, but never twice
 * on one path.
 */
import { SpecError, type Issue } from '../errors.js';

/** A categorical choice. */
export type ParamValue = string | number | boolean;

/** One trial's parameters, flat: only those active under its choices are present. */
export type Params = Record<string, ParamValue>;

/** A parameter chosen from a list; `branches[String(value)]` holds parameters active under it. */
export interface CategoricalParameter {
  type: 'categorical';
  values: ParamValue[];
  branches?: Record<string, ParameterMap>;
}

/** A number in `[min, max]`: integers for `int`, reals for `float`; `log` samples on a log scale. */
export interface NumericParameter {
  type: 'int' | 'float';
  min: number;
  max: number;
  log?: boolean;
}

export type Parameter = CategoricalParameter | NumericParameter;

/** Parameters by name, in the order they are chosen. */
export type ParameterMap = Record<string, Parameter>;

/** A validated search space. */
export interface SearchSpace {
  name?: string;
  description?: string;
  parameters: ParameterMap;
}

/** Options of {@link parseSpace}. */
export interface ParseSpaceOptions {
  /** Names the consumer understands; any other name is reported. Default: any name. */
  knownParameters?: readonly string[];
  /** Where the JSON came from, for messages. */
  source?: string;
}

/** The parameters an `optimize` worker space may use (see `PipelineConfig`). */
export const WORKER_SPACE_PARAMETERS: readonly string[] = Object.freeze([
  'memory',
  'batchSize',
  'interOpThreads',
  'intraOpThreads',
  'replicas',
  'loadConcurrency',
  'preprocessConcurrency',
]);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

function unknownKeys(
  obj: Record<string, unknown>,
  allowed: readonly string[],
  path: string,
  issues: Issue[],
): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key))
      issues.push({ path: `${path}.${key}`, message: `unknown key (expected one of ${allowed.join(', ')})` });
  }
}

function parseNumeric(
  def: Record<string, unknown>,
  type: 'int' | 'float',
  path: string,
  issues: Issue[],
): NumericParameter | null {
  unknownKeys(def, ['type', 'min', 'max', 'log'], path, issues);
  const before = issues.length;
  for (const key of ['min', 'max'] as const) {
    const v = def[key];
    if (typeof v !== 'number' || !Number.isFinite(v))
      issues.push({ path: `${path}.${key}`, message: `expected a number, got ${show(v)}` });
    else if (type === 'int' && !Number.isInteger(v))
      issues.push({ path: `${path}.${key}`, message: `expected an integer, got ${v}` });
  }
  if (def.log !== undefined && typeof def.log !== 'boolean')
    issues.push({ path: `${path}.log`, message: `expected true or false, got ${show(def.log)}` });
  if (issues.length > before) return null;
  const min = def.min as number;
  const max = def.max as number;
  if (min > max) issues.push({ path, message: `min (${min}) > max (${max})` });
  else if (type === 'float' && min === max) issues.push({ path, message: `empty range: min = max = ${min}` });
  if (def.log === true && min <= 0)
    issues.push({ path: `${path}.min`, message: `a log scale needs min > 0, got ${min}` });
  if (issues.length > before) return null;
  return def.log === true ? { type, min, max, log: true } : { type, min, max };
}

function parseCategorical(
  def: Record<string, unknown>,
  path: string,
  ctx: Context,
  ancestors: Set<string>,
): CategoricalParameter | null {
  const { issues } = ctx;
  unknownKeys(def, ['type', 'values', 'branches'], path, issues);
  const values = def.values;
  if (!Array.isArray(values) || values.length === 0) {
    issues.push({
      path: `${path}.values`,
      message: `empty range: expected a non-empty list of values, got ${show(values)}`,
    });
    return null;
  }
  const keys = new Set<string>();
  values.forEach((v, i) => {
    if (
      !['string', 'number', 'boolean'].includes(typeof v) ||
      (typeof v === 'number' && !Number.isFinite(v))
    ) {
      issues.push({
        path: `${path}.values[${i}]`,
        message: `expected a string, number or boolean, got ${show(v)}`,
      });
    } else if (keys.has(String(v)))
      issues.push({ path: `${path}.values[${i}]`, message: `duplicate value ${show(v)}` });
    keys.add(String(v));
  });
  const result: CategoricalParameter = { type: 'categorical', values: values as ParamValue[] };
  if (def.branches !== undefined) {
    if (!isObject(def.branches)) {
      issues.push({ path: `${path}.branches`, message: 'expected an object keyed by value' });
      return null;
    }
    result.branches = {};
    for (const [key, branch] of Object.entries(def.branches)) {
      const branchPath = `${path}.branches.${key}`;
      if (!keys.has(key)) {
        issues.push({ path: branchPath, message: `not one of the values (${[...keys].join(', ')})` });
        continue;
      }
      const map = parseMap(branch, branchPath, ctx, ancestors);
      if (map) result.branches[key] = map;
    }
  }
  return result;
}

interface Context {
  issues: Issue[];
  known?: readonly string[];
}

function parseMap(json: unknown, path: string, ctx: Context, outer: Set<string>): ParameterMap | null {
  if (!isObject(json)) {
    ctx.issues.push({ path, message: 'expected an object of parameters by name' });
    return null;
  }
  const map: ParameterMap = {};
  // A name may not repeat a name of an enclosing level (both would be active at once).
  const taken = new Set(outer);
  for (const name of Object.keys(json)) {
    if (taken.has(name))
      ctx.issues.push({ path: `${path}.${name}`, message: `'${name}' is already defined on this path` });
    taken.add(name);
  }
  for (const [name, def] of Object.entries(json)) {
    const where = `${path}.${name}`;
    if (ctx.known && !ctx.known.includes(name)) {
      ctx.issues.push({
        path: where,
        message: `unknown parameter '${name}' (expected one of ${ctx.known.join(', ')})`,
      });
      continue;
    }
    if (!isObject(def)) {
      ctx.issues.push({ path: where, message: 'expected an object with a type' });
      continue;
    }
    let parsed: Parameter | null = null;
    if (def.type === 'categorical') parsed = parseCategorical(def, where, ctx, taken);
    else if (def.type === 'int' || def.type === 'float')
      parsed = parseNumeric(def, def.type, where, ctx.issues);
    else
      ctx.issues.push({
        path: `${where}.type`,
        message: `unknown type ${show(def.type)} (expected categorical, int or float)`,
      });
    if (parsed) map[name] = parsed;
  }
  // Nor may two siblings' branches define the same name: both could be active at once.
  const owner = new Map<string, string>();
  for (const [name, parameter] of Object.entries(map)) {
    for (const inner of branchNames(parameter)) {
      const first = owner.get(inner);
      if (first !== undefined && first !== name) {
        ctx.issues.push({
          path: `${path}.${name}`,
          message: `its branches define '${inner}', as the branches of '${first}' do`,
        });
      }
      owner.set(inner, name);
    }
  }
  return map;
}

/** Every name defined in any branch below a parameter. */
function branchNames(parameter: Parameter): Set<string> {
  const names = new Set<string>();
  if (parameter.type !== 'categorical') return names;
  for (const branch of Object.values(parameter.branches ?? {})) {
    for (const [name, inner] of Object.entries(branch)) {
      names.add(name);
      for (const deeper of branchNames(inner)) names.add(deeper);
    }
  }
  return names;
}

/**
 * Validates a space from parsed JSON. Collects every problem (empty range, min > max, unknown
 * type or key, unknown parameter, a branch for a value not listed) and throws one
 * {@link SpecError} whose issues name each JSON path.
 */
export function parseSpace(json: unknown, options: ParseSpaceOptions = {}): SearchSpace {
  const issues: Issue[] = [];
  const what = `invalid search space${options.source ? ` in ${options.source}` : ''}`;
  if (!isObject(json)) throw new SpecError([{ path: '(root)', message: 'expected a JSON object' }], what);
  unknownKeys(json, ['$schema', '$comment', 'name', 'description', 'parameters'], '(root)', issues);
  for (const key of ['name', 'description'] as const) {
    if (json[key] !== undefined && typeof json[key] !== 'string')
      issues.push({ path: key, message: 'expected a string' });
  }
  const ctx: Context = { issues, ...(options.knownParameters ? { known: options.knownParameters } : {}) };
  const parameters = parseMap(json.parameters, 'parameters', ctx, new Set());
  if (parameters && Object.keys(parameters).length === 0 && issues.length === 0) {
    issues.push({ path: 'parameters', message: 'no parameters: nothing to optimize' });
  }
  if (issues.length > 0 || !parameters) throw new SpecError(issues, what);
  const space: SearchSpace = { parameters };
  if (typeof json.name === 'string') space.name = json.name;
  if (typeof json.description === 'string') space.description = json.description;
  return space;
}
