/**
 * Parsing untrusted data with a zod schema (pure), the one way every file format and payload
 * reports its problems: each {@link Issue} has a field path (`pipeline.predict.batchSize`,
 * `splits[0].keys[1]`) and a message saying what was expected and what was found, with a
 * "did you mean" for an unknown key. Keys that name an object's prototype are refused at every
 * level before the schema runs, and a schema's output is made of fresh objects holding only the
 * keys it knows, so parsed data can be merged without touching `Object.prototype`.
 */
import { z } from 'zod';
import { MAX_LISTED_ISSUES, SpecError, type Issue } from '../errors.js';
import { closestName } from './suggest.js';

type Schema = z.core.$ZodType;

/** Keys refused at every level of everything we parse: each can reach an object's prototype. */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The entry of `table` named `key`, never one inherited from `Object.prototype` (a `type:
 * 'toString'` names no backend).
 */
export function ownEntry<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** `a.b[0].c` for a path of keys; `(top level)` for the empty path. */
export function dottedPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(top level)' : out;
}

/** A short rendering of a value for "got ..." in messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}'`;
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** A value met while walking, and how it was reached (the path is built only for an issue). */
interface Visit {
  value: unknown;
  key: PropertyKey | null;
  parent: Visit | null;
  /** A prototype key, reported when its turn comes (so issues are in document order). */
  refused?: true;
}

function pathOf(visit: Visit): PropertyKey[] {
  const path: PropertyKey[] = [];
  for (let v: Visit | null = visit; v !== null && v.key !== null; v = v.parent) path.push(v.key);
  return path.reverse();
}

/**
 * Every key named `__proto__`, `constructor` or `prototype`, at any depth (walked without
 * recursion and in linear time, so a deeply nested value can neither exhaust the stack nor
 * stall the walk).
 */
export function prototypeKeyIssues(value: unknown, prefix = ''): Issue[] {
  const issues: Issue[] = [];
  const stack: Visit[] = [{ value, key: null, parent: null }];
  for (let visit = stack.pop(); visit !== undefined; visit = stack.pop()) {
    if (visit.refused) {
      const key = String(visit.key);
      issues.push({
        path: dottedPath(pathOf(visit), prefix),
        message: `the key '${key}' is refused at any level`,
      });
      continue;
    }
    const v = visit.value;
    if (typeof v !== 'object' || v === null) continue;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], key: i, parent: visit });
      continue;
    }
    const keys = Object.keys(v);
    for (let k = keys.length - 1; k >= 0; k--) {
      const key = keys[k] as string;
      const child: Visit = { value: (v as Record<string, unknown>)[key], key, parent: visit };
      stack.push(PROTOTYPE_KEYS.has(key) ? { ...child, refused: true } : child);
    }
  }
  return issues;
}

/** The options of a discriminated union that `input`'s tag selects (all of them without one). */
function selected(def: Record<string, unknown>, input: unknown): Schema[] {
  const options = def.options as Schema[];
  const tagKey = def.discriminator as string | undefined;
  if (tagKey === undefined || typeof input !== 'object' || input === null) return options;
  const tag = (input as Record<string, unknown>)[tagKey];
  const chosen = options.filter((o) => {
    const field = (o._zod.def as unknown as { shape?: Record<string, Schema> }).shape?.[tagKey];
    const values = (field?._zod.def as unknown as { values?: unknown[] } | undefined)?.values;
    return values?.includes(tag) ?? false;
  });
  return chosen.length > 0 ? chosen : options;
}

/**
 * The keys an object schema at `path` (inside optionals, unions, lists and records) accepts;
 * `input` (the object at `path`) picks the option of a discriminated union there.
 */
export function knownKeysAt(schema: Schema, path: readonly PropertyKey[], input?: unknown): string[] {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
      return knownKeysAt(def.innerType as Schema, path, input);
    case 'lazy':
      return knownKeysAt((def.getter as () => Schema)(), path, input);
    case 'pipe': {
      const before = knownKeysAt(def.in as Schema, path, input);
      return before.length > 0 ? before : knownKeysAt(def.out as Schema, path, input);
    }
    case 'union': {
      const options = path.length === 0 ? selected(def, input) : (def.options as Schema[]);
      return [...new Set(options.flatMap((o) => knownKeysAt(o, path, input)))];
    }
    case 'array':
      return path.length > 0 ? knownKeysAt(def.element as Schema, path.slice(1), input) : [];
    case 'record':
      return path.length > 0 ? knownKeysAt(def.valueType as Schema, path.slice(1), input) : [];
    case 'object': {
      const shape = def.shape as Record<string, Schema>;
      if (path.length === 0) return Object.keys(shape);
      const child = shape[String(path[0])];
      return child ? knownKeysAt(child, path.slice(1), input) : [];
    }
    default:
      return [];
  }
}

/** "unknown key; did you mean 'splitSize'?" or a list of the known keys. */
export function unknownKeyMessage(key: string, known: readonly string[]): string {
  const suggestion = closestName(key, known);
  if (suggestion) return `unknown key; did you mean '${suggestion}'?`;
  return known.length > 0 ? `unknown key; expected one of: ${known.join(', ')}` : 'unknown key';
}

const TYPE_WORDS: Record<string, string> = {
  int: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  record: 'an object',
  null: 'null',
};

function bound(issue: { origin: string; inclusive?: boolean }, value: unknown, small: boolean): string {
  const n = String(value);
  switch (issue.origin) {
    case 'string':
      return small && n === '1' ? 'a non-empty string' : `${small ? 'at least' : 'at most'} ${n} characters`;
    case 'array':
    case 'set':
      return small && n === '1' ? 'a non-empty list' : `${small ? 'at least' : 'at most'} ${n} items`;
    default:
      return `a number ${small ? '>' : '<'}${issue.inclusive ? '=' : ''} ${n}`;
  }
}

/** "expected one of 'a', 'b', got 'c'; did you mean 'a'?" */
function oneOf(values: readonly unknown[], input: unknown): string {
  const shown = values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v)));
  const expected = shown.length === 1 ? shown[0] : `one of ${shown.join(', ')}`;
  if (input === undefined) return `missing: expected ${expected}`;
  const hint =
    typeof input === 'string'
      ? closestName(
          input,
          values.map((v) => String(v)),
        )
      : undefined;
  return `expected ${expected}, got ${describeValue(input)}${hint !== undefined ? `; did you mean '${hint}'?` : ''}`;
}

function messageFor(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  const got = `, got ${describeValue(input)}`;
  // Messages written with a schema (`{ error: 'expected ...' }`) start in lower case; zod's own
  // start with a capital ("Invalid input..."), and are reworded below.
  if (/^[a-z]/.test(issue.message) && issue.code !== 'unrecognized_keys') {
    const says = issue.message.includes(', got ') || !issue.message.startsWith('expected');
    return says ? issue.message : `${issue.message}${got}`;
  }
  switch (issue.code) {
    case 'invalid_type': {
      const what = TYPE_WORDS[issue.expected] ?? issue.expected;
      return input === undefined ? `missing: expected ${what}` : `expected ${what}${got}`;
    }
    case 'too_small':
      return `expected ${bound(issue, issue.minimum, true)}${got}`;
    case 'too_big':
      return `expected ${bound(issue, issue.maximum, false)}${got}`;
    case 'invalid_value':
      return oneOf(issue.values, input);
    case 'invalid_union': {
      const options = 'options' in issue ? issue.options : undefined;
      if (issue.discriminator === undefined || !options) return `not a valid value${got}`;
      const tag =
        typeof input === 'object' && input !== null
          ? (input as Record<string, unknown>)[issue.discriminator]
          : undefined;
      return oneOf(options, tag);
    }
    case 'invalid_format':
      return issue.format === 'regex' ? `not in the expected form${got}` : `expected ${issue.format}${got}`;
    case 'not_multiple_of':
      return `expected a multiple of ${String(issue.divisor)}${got}`;
    default:
      return `${issue.message}${input === undefined ? '' : got}`;
  }
}

/**
 * Issues for a failed parse. `prefix` is prepended to every path (for a sub-schema checked on
 * its own, such as `backend`); unknown keys get a "did you mean" from the keys `schema` knows.
 */
export function issuesFromZod(error: z.core.$ZodError, schema: Schema, prefix = ''): Issue[] {
  const issues: Issue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, issue.path, (issue as { input?: unknown }).input);
      for (const key of issue.keys) {
        issues.push({
          path: dottedPath([...issue.path, key], prefix),
          message: unknownKeyMessage(key, known),
        });
      }
    } else if (
      issue.code === 'invalid_union' &&
      issue.discriminator === undefined &&
      issue.errors.length > 0
    ) {
      // Every option failed: report the option that came closest (fewest issues).
      const closest = [...issue.errors].sort((a, b) => a.length - b.length)[0] ?? [];
      const nested = closest.map((i) => ({ ...i, path: [...issue.path, ...i.path] }));
      if (nested.length > 0 && !/^[a-z]/.test(issue.message))
        issues.push(...issuesFromZod({ issues: nested } as unknown as z.core.$ZodError, schema, prefix));
      else issues.push({ path: dottedPath(issue.path, prefix), message: messageFor(issue) });
    } else {
      issues.push({ path: dottedPath(issue.path, prefix), message: messageFor(issue) });
    }
  }
  return issues;
}

/** The outcome of {@link checkSchema}: the parsed data, or every problem found. */
export type SchemaCheck<T> = { ok: true; data: T } | { ok: false; issues: Issue[] };

/**
 * Checks `value` against `schema`, prototype keys first; returns the parsed data (fresh
 * objects) or every issue, paths under `prefix`.
 */
export function checkSchema<S extends z.ZodType>(
  schema: S,
  value: unknown,
  prefix = '',
): SchemaCheck<z.output<S>> {
  const refused = prototypeKeyIssues(value, prefix);
  if (refused.length > 0) return { ok: false, issues: refused };
  const parsed = schema.safeParse(value, { reportInput: true });
  if (parsed.success) return { ok: true, data: parsed.data };
  return { ok: false, issues: issuesFromZod(parsed.error, schema, prefix) };
}

/**
 * Parses `value` with `schema`, or throws a {@link SpecError} (exit 2) carrying every issue,
 * whose one-line message starts with `what` (e.g. `invalid profile p.json`) and lists the first
 * few.
 */
export function parseWithSchema<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
  prefix = '',
): z.output<S> {
  const checked = checkSchema(schema, value, prefix);
  if (!checked.ok) throw new SpecError(checked.issues, what, MAX_LISTED_ISSUES);
  return checked.data;
}

/** A message that says "missing" for an absent value, and `expected` otherwise. */
function expecting(expected: string): (issue: { input?: unknown }) => string {
  return (issue) => (issue.input === undefined ? `missing: ${expected}` : expected);
}

/** An integer from `min` to `max` (or `min` and up), with one message for every way to miss. */
export function intRange(min: number, max?: number): z.ZodInt {
  const expected =
    max === undefined ? `expected an integer >= ${min}` : `expected an integer from ${min} to ${max}`;
  const error = expecting(expected);
  const schema = z.int({ error }).min(min, { error });
  return max === undefined ? schema : schema.max(max, { error });
}

/**
 * A finite number: at least `min` (more than `min` with `exclusive`), at most `max` when
 * given, with one message for every way to miss.
 */
export function numberRange(range: { min: number; max?: number; exclusive?: boolean }): z.ZodNumber {
  const low = `${range.exclusive ? '>' : '>='} ${range.min}`;
  const expected =
    range.max === undefined
      ? `expected a number ${low}`
      : range.exclusive
        ? `expected a number > ${range.min} and <= ${range.max}`
        : `expected a number from ${range.min} to ${range.max}`;
  const error = expecting(expected);
  const base = z.number({ error });
  const schema = range.exclusive ? base.gt(range.min, { error }) : base.min(range.min, { error });
  return range.max === undefined ? schema : schema.max(range.max, { error });
}

/** A string with something besides spaces in it (kept as written). */
export const nonEmptyString = z
  .string()
  .refine((s) => s.trim() !== '', { error: 'expected a non-empty string' });
