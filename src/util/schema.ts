/**
 * Parsing untrusted data with a zod schema (pure), the one way every file format and payload
 * reports its problems: each {@link Issue} has a field path (`pipeline.predict.batchSize`,
 * `splits[0].keys[1]`) and a message saying what was expected and what was found, with a
 * "did you mean" for an unknown key. Keys that name an object's prototype are refused at every
 * level before the schema runs, and a schema's output is made of fresh objects holding only the
 * keys it knows, so parsed data can be merged without touching `Object.prototype`.
 */
import * as z from 'zod';
import { MAX_LISTED_ISSUES, SpecError, type Issue } from '../errors.js';
import { dottedPath, issuesFromZod } from './schema-issues.js';

/** Keys refused at every level of everything we parse: each can reach an object's prototype. */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The entry of `table` named `key`, never one inherited from `Object.prototype` (a `type:
 * 'toString'` names no backend).
 */
export function ownEntry<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
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

/** A SHA-256 digest as we write it: 64 lowercase hex digits. */
export const sha256Hex = z
  .string()
  .regex(/^[0-9a-f]{64}$/, { error: 'expected a SHA-256 digest (64 lowercase hex digits)' });
