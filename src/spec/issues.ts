/** Turns schema validation failures into {@link Issue}s with dotted paths and plain messages (pure). */
import type { z } from 'zod';
import type { Issue } from '../errors.js';
import { closestName } from '../util/suggest.js';

type Schema = z.core.$ZodType;

/** `a.b.0.c` for a path of keys. */
export function dottedPath(path: readonly PropertyKey[], prefix = ''): string {
  const parts = path.map((p) => String(p));
  if (prefix) parts.unshift(prefix);
  return parts.length > 0 ? parts.join('.') : '(top level)';
}

/** A short rendering of a value for "got ..." in messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}'`;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** The keys an object schema at `path` (inside optionals and unions) accepts. */
export function knownKeysAt(schema: Schema, path: readonly PropertyKey[]): string[] {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
      return knownKeysAt(def.innerType as Schema, path);
    case 'pipe':
      return knownKeysAt(def.in as Schema, path);
    case 'union':
      return [...new Set((def.options as Schema[]).flatMap((o) => knownKeysAt(o, path)))];
    case 'object': {
      const shape = def.shape as Record<string, Schema>;
      if (path.length === 0) return Object.keys(shape);
      const child = shape[String(path[0])];
      return child ? knownKeysAt(child, path.slice(1)) : [];
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

function messageFor(issue: z.core.$ZodIssue): string {
  const got = 'input' in issue ? `, got ${describeValue(issue.input)}` : '';
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined)
        return `required (expected ${issue.expected === 'int' ? 'an integer' : issue.expected})`;
      return `expected ${issue.expected === 'int' ? 'an integer' : issue.expected}${got}`;
    case 'too_small': {
      const what =
        issue.origin === 'string'
          ? 'a non-empty string'
          : `a number ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}`;
      return issue.origin === 'string' ? `expected ${what}${got}` : `expected ${what}${got}`;
    }
    case 'too_big':
      return `expected a value ${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}${got}`;
    case 'invalid_value':
      return `expected one of: ${issue.values.map((v) => String(v)).join(', ')}${got}`;
    case 'invalid_union':
      return `not a valid value${got}`;
    default:
      return `${issue.message}${got}`;
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
      const known = knownKeysAt(schema, issue.path);
      for (const key of issue.keys) {
        issues.push({
          path: dottedPath([...issue.path, key], prefix),
          message: unknownKeyMessage(key, known),
        });
      }
    } else {
      issues.push({ path: dottedPath(issue.path, prefix), message: messageFor(issue) });
    }
  }
  return issues;
}
