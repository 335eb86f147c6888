/**
 * How a problem with parsed data is said (pure): a field's dotted path, a short rendering of the
 * value found, and each zod issue as "what was expected, what was found", with the keys the
 * schema knows and a "did you mean" for an unknown one. `schema.ts` parses with it.
 */
import type * as z from 'zod';
import type { Issue } from '../errors.js';
import { closestName } from './suggest.js';

type Schema = z.core.$ZodType;

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
    if (says) return issue.message;
    // A key left out is missing, as zod's own messages say it, not "got nothing".
    return input === undefined ? `missing: ${issue.message}` : `${issue.message}${got}`;
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
