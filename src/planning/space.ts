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
import * as z from 'zod';
import { SpecError, type Issue } from '../errors.js';
import { closestName } from '../util/suggest.js';
import { checkSchema } from '../util/schema.js';

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

const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

const paramValue = z.union([z.string(), z.number(), z.boolean()], {
  error: 'expected a string, number or boolean',
});

/** A numeric parameter's range rules, checked once its fields are. */
function checkRange(def: NumericParameter, ctx: z.core.$RefinementCtx<NumericParameter>): void {
  const add = (message: string, path: PropertyKey[] = []): void =>
    ctx.addIssue({ code: 'custom', message, path, input: def });
  if (def.min > def.max) add(`min (${def.min}) > max (${def.max})`);
  else if (def.type === 'float' && def.min === def.max) add(`empty range: min = max = ${def.min}`);
  if (def.log === true && def.min <= 0) add(`a log scale needs min > 0, got ${def.min}`, ['min']);
}

const numeric = <T extends 'int' | 'float'>(type: T, bound: z.ZodNumber | z.ZodInt) =>
  z
    .strictObject({ type: z.literal(type), min: bound, max: bound, log: z.boolean().optional() })
    .superRefine((def, ctx) =>
      checkRange(def as NumericParameter, ctx as z.core.$RefinementCtx<NumericParameter>),
    );

const categorical = z
  .strictObject({
    type: z.literal('categorical'),
    values: z.array(paramValue).min(1, { error: 'expected a non-empty list of values' }),
    get branches(): z.ZodOptional<z.ZodRecord<z.ZodString, z.ZodType<ParameterMap>>> {
      return z.record(z.string(), parameterMap).optional();
    },
  })
  .superRefine((def, ctx) => {
    const seen = new Set<string>();
    def.values.forEach((v, i) => {
      if (seen.has(String(v)))
        ctx.addIssue({
          code: 'custom',
          message: `duplicate value ${show(v)}`,
          path: ['values', i],
          input: v,
        });
      seen.add(String(v));
    });
    for (const key of Object.keys(def.branches ?? {}))
      if (!seen.has(key))
        ctx.addIssue({
          code: 'custom',
          message: `not one of the values (${[...seen].join(', ')})`,
          path: ['branches', key],
          input: key,
        });
  });

const parameter: z.ZodType<Parameter> = z.discriminatedUnion('type', [
  categorical,
  numeric('int', z.int()),
  numeric('float', z.number()),
]) as z.ZodType<Parameter>;

const parameterMap: z.ZodType<ParameterMap> = z.record(z.string(), parameter);

/** The schema of a search space file. */
export const searchSpaceSchema = z.strictObject({
  $schema: z.string().optional(),
  $comment: z.string().optional(),
  name: z.string().optional(),
  description: z.string().optional(),
  parameters: parameterMap,
});

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
 * The rules of a parsed parameter map: names known to the consumer, and no name that two
 * active parameters would share (one on an enclosing level, or in two siblings' branches).
 */
function checkNames(
  map: ParameterMap,
  path: string,
  outer: ReadonlySet<string>,
  known: readonly string[] | undefined,
  issues: Issue[],
): void {
  // Every name of this level is active with those of the enclosing levels.
  const taken = new Set([...outer, ...Object.keys(map)]);
  for (const [name, parameter] of Object.entries(map)) {
    const where = `${path}.${name}`;
    if (known && !known.includes(name)) {
      const hint = closestName(name, known);
      issues.push({
        path: where,
        message: `unknown parameter '${name}'; ${hint ? `did you mean '${hint}'?` : `expected one of ${known.join(', ')}`}`,
      });
    } else if (outer.has(name))
      issues.push({ path: where, message: `'${name}' is already defined on this path` });
    if (parameter.type === 'categorical')
      for (const [key, branch] of Object.entries(parameter.branches ?? {}))
        checkNames(branch, `${where}.branches.${key}`, taken, known, issues);
  }
  const owner = new Map<string, string>();
  for (const [name, parameter] of Object.entries(map)) {
    for (const inner of branchNames(parameter)) {
      const first = owner.get(inner);
      if (first !== undefined && first !== name)
        issues.push({
          path: `${path}.${name}`,
          message: `its branches define '${inner}', as the branches of '${first}' do`,
        });
      owner.set(inner, name);
    }
  }
}

/**
 * Validates a space from parsed JSON: its schema (types, ranges, values, branches, unknown
 * keys), then the names (unknown parameters, a name two active parameters would share).
 * Throws one {@link SpecError} whose issues name each JSON path.
 */
export function parseSpace(json: unknown, options: ParseSpaceOptions = {}): SearchSpace {
  const what = `invalid search space${options.source ? ` in ${options.source}` : ''}`;
  const parsed = checkSchema(searchSpaceSchema, json);
  if (!parsed.ok) throw new SpecError(parsed.issues, what);
  const issues: Issue[] = [];
  checkNames(parsed.data.parameters, 'parameters', new Set(), options.knownParameters, issues);
  if (issues.length === 0 && Object.keys(parsed.data.parameters).length === 0)
    issues.push({ path: 'parameters', message: 'no parameters: nothing to optimize' });
  if (issues.length > 0) throw new SpecError(issues, what);
  const { name, description, parameters } = parsed.data;
  return {
    ...(name !== undefined ? { name } : {}),
    ...(description !== undefined ? { description } : {}),
    parameters,
  };
}
