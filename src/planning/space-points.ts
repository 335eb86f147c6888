/**
 * Points of a search space (pure): walking the tree of active parameters under a trial's
 * choices, drawing from the prior, and checking that a point belongs to the space.
 */
import type { Random } from '../core/random.js';
import type { Issue } from '../errors.js';
import type { Parameter, ParameterMap, Params, ParamValue, SearchSpace } from './space.js';

const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

/** One parameter as reached under a trial's choices: `id` is unique in the tree. */
export interface ActiveParameter {
  /** Path in the tree, e.g. `memory=3008/batchSize`: the same name in two branches differs. */
  id: string;
  name: string;
  parameter: Parameter;
}

/**
 * Walks the tree in order, calling `choose` for each active parameter; a categorical's chosen
 * value opens its branch. Returns the chosen parameters, flat.
 */
export function walkSpace(space: SearchSpace, choose: (active: ActiveParameter) => ParamValue): Params {
  const params: Params = {};
  const visit = (map: ParameterMap, prefix: string): void => {
    for (const [name, parameter] of Object.entries(map)) {
      const id = `${prefix}${name}`;
      const value = choose({ id, name, parameter });
      params[name] = value;
      if (parameter.type === 'categorical') {
        const branch = parameter.branches?.[String(value)];
        if (branch) visit(branch, `${id}=${String(value)}/`);
      }
    }
  };
  visit(space.parameters, '');
  return params;
}

/** A value drawn from a parameter's prior: uniform (log-uniform with `log`). */
export function samplePrior(parameter: Parameter, random: Random): ParamValue {
  if (parameter.type === 'categorical') return random.pick(parameter.values);
  const { min, max } = parameter;
  if (parameter.type === 'int') {
    if (!parameter.log) return random.int(min, max);
    const x = Math.exp(random.uniform(Math.log(min - 0.5), Math.log(max + 0.5))); // min >= 1 for a log int
    return Math.min(max, Math.max(min, Math.round(x)));
  }
  return parameter.log ? Math.exp(random.uniform(Math.log(min), Math.log(max))) : random.uniform(min, max);
}

/** A trial's parameters by tree id, found by walking the space with its choices. */
export function activeValues(space: SearchSpace, params: Params): Map<string, ParamValue> {
  const values = new Map<string, ParamValue>();
  walkSpace(space, ({ id, name }) => {
    const value = params[name]!;
    values.set(id, value);
    return value;
  });
  return values;
}

/**
 * Checks that `params` is a point of the space: every active parameter present and in range,
 * nothing else. Returns the problems, each naming the parameter.
 */
export function checkParams(space: SearchSpace, params: Params): Issue[] {
  const issues: Issue[] = [];
  const seen = new Set<string>();
  walkSpace(space, ({ name, parameter }) => {
    seen.add(name);
    const value = params[name];
    if (value === undefined) issues.push({ path: name, message: 'missing' });
    else if (parameter.type === 'categorical') {
      if (!parameter.values.some((v) => v === value))
        issues.push({ path: name, message: `${show(value)} is not one of ${show(parameter.values)}` });
    } else if (typeof value !== 'number' || !(value >= parameter.min && value <= parameter.max)) {
      issues.push({ path: name, message: `${show(value)} is not in [${parameter.min}, ${parameter.max}]` });
    } else if (parameter.type === 'int' && !Number.isInteger(value)) {
      issues.push({ path: name, message: `${value} is not an integer` });
    }
    return value ?? (parameter.type === 'categorical' ? parameter.values[0]! : parameter.min);
  });
  for (const name of Object.keys(params))
    if (!seen.has(name))
      issues.push({
        path: name,
        message: 'not a parameter of this space (or not active under these choices)',
      });
  return issues;
}

/** A trial's parameters as one string, the same whatever the order of their keys. */
export function paramsKey(params: Params): string {
  return JSON.stringify(
    Object.keys(params)
      .sort()
      .map((name) => [name, params[name]]),
  );
}

function parameterSize(parameter: Parameter): number {
  if (parameter.type !== 'categorical')
    return parameter.type === 'float' ? Number.POSITIVE_INFINITY : parameter.max - parameter.min + 1;
  return parameter.values.reduce((sum: number, v) => {
    const branch = parameter.branches?.[String(v)];
    return sum + (branch ? mapSize(branch) : 1);
  }, 0);
}

function mapSize(map: ParameterMap): number {
  return Object.values(map).reduce((product, parameter) => product * parameterSize(parameter), 1);
}

/**
 * How many distinct points the space holds: finite when every parameter is categorical or
 * int (a branch counts its own points under its value), infinite with a float.
 */
export function spaceSize(space: SearchSpace): number {
  return mapSize(space.parameters);
}

/** Every point of a space in a fixed order, or null when there are more than `limit`. */
export function enumerateSpace(space: SearchSpace, limit: number): Params[] | null {
  if (!(spaceSize(space) <= limit)) return null;
  const points = (map: ParameterMap): Params[] => {
    let partial: Params[] = [{}];
    for (const [name, parameter] of Object.entries(map)) {
      const choices: Params[] = [];
      if (parameter.type === 'categorical') {
        for (const value of parameter.values) {
          const branch = parameter.branches?.[String(value)];
          for (const inner of branch ? points(branch) : [{}]) choices.push({ [name]: value, ...inner });
        }
      } else {
        for (let v = parameter.min; v <= parameter.max; v++) choices.push({ [name]: v });
      }
      partial = partial.flatMap((p) => choices.map((c) => ({ ...p, ...c })));
    }
    return partial;
  };
  return points(space.parameters);
}
