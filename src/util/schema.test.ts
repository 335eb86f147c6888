import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { SpecError } from '../errors.js';
import {
  checkSchema,
  intRange,
  numberRange,
  ownEntry,
  parseWithSchema,
  prototypeKeyIssues,
} from './schema.js';
import { describeValue, dottedPath, knownKeysAt } from './schema-issues.js';

const issues = (schema: z.ZodType, value: unknown): string[] => {
  const checked = checkSchema(schema, value);
  return checked.ok ? [] : checked.issues.map((i) => `${i.path}: ${i.message}`);
};

describe('schema issues', () => {
  it('give paths with list indexes, and short renderings of what was found', () => {
    expect(dottedPath(['splits', 0, 'keys', 1])).toBe('splits[0].keys[1]');
    expect(dottedPath([], 'backend')).toBe('backend');
    expect(dottedPath([])).toBe('(top level)');
    expect([undefined, null, 'x'.repeat(70), [], [1], {}, 3].map(describeValue)).toEqual([
      'nothing',
      'null',
      `'${'x'.repeat(57)}...'`,
      'an empty list',
      'a list',
      'an object',
      '3',
    ]);
  });

  it('say what was expected and what was found, with did-you-mean', () => {
    const schema = z.strictObject({
      mode: z.enum(['static', 'dynamic']).optional(),
      size: intRange(1, 10).optional(),
      rate: numberRange({ min: 0, exclusive: true }).optional(),
      name: z.string().min(1).optional(),
      tags: z.array(z.string()).max(2).optional(),
      nested: z.strictObject({ splitSize: z.number().optional() }).optional(),
    });
    expect(
      issues(schema, {
        mode: 'dynamc',
        size: 11,
        rate: 0,
        name: '',
        tags: ['a', 'b', 'c'],
        nested: { splitsize: 3 },
      }),
    ).toEqual([
      "mode: expected one of 'static', 'dynamic', got 'dynamc'; did you mean 'dynamic'?",
      'size: expected an integer from 1 to 10, got 11',
      'rate: expected a number > 0, got 0',
      "name: expected a non-empty string, got ''",
      'tags: expected at most 2 items, got a list',
      "nested.splitsize: unknown key; did you mean 'splitSize'?",
    ]);
    expect(issues(z.strictObject({ n: intRange(1) }), {})).toEqual(['n: missing: expected an integer >= 1']);
    expect(issues(z.strictObject({ n: intRange(1) }), { n: 1.5 })).toEqual([
      'n: expected an integer >= 1, got 1.5',
    ]);
    // A schema's own wording is kept, and a key left out is "missing", never "got nothing".
    const words = z.strictObject({
      w: z.union([z.string(), z.array(z.string())], { error: 'expected words' }),
    });
    expect(issues(words, {})).toEqual(['w: missing: expected words']);
    expect(issues(words, { w: 3 })).toEqual(['w: expected words, got 3']);
  });

  it('know the keys inside optionals, lists, records, unions and lazy schemas', () => {
    const item = z.strictObject({ alpha: z.number() });
    const schema = z.strictObject({
      list: z.array(item).optional(),
      map: z.record(z.string(), item),
      either: z.union([item, z.strictObject({ beta: z.number() })]),
      later: z.lazy(() => item),
    });
    expect(knownKeysAt(schema, ['list', 0])).toEqual(['alpha']);
    expect(knownKeysAt(schema, ['map', 'x'])).toEqual(['alpha']);
    expect(knownKeysAt(schema, ['either'])).toEqual(['alpha', 'beta']);
    expect(knownKeysAt(schema, ['later'])).toEqual(['alpha']);
    expect(
      issues(schema, { list: [{ alhpa: 1 }], map: {}, either: { alpha: 1 }, later: { alpha: 2 } }),
    ).toEqual([
      'list[0].alpha: missing: expected a number',
      "list[0].alhpa: unknown key; did you mean 'alpha'?",
    ]);
  });
});

describe('prototype keys', () => {
  it('are found at any depth, in objects and lists, without recursion', () => {
    const value = JSON.parse(
      '{"a":{"b":[{"__proto__":1},{"c":{"prototype":2}}]},"constructor":3}',
    ) as unknown;
    expect(prototypeKeyIssues(value).map((i) => i.path)).toEqual([
      'a.b[0].__proto__',
      'a.b[1].c.prototype',
      'constructor',
    ]);
    let deep: unknown = { __proto__x: 1 };
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(prototypeKeyIssues(deep)).toEqual([]);
  });

  it('stop a parse before the schema runs, even a loose one', () => {
    const loose = z.looseObject({});
    const value = JSON.parse('{"x":{"__proto__":{"polluted":true}}}') as unknown;
    expect(() => parseWithSchema(loose, value, 'invalid thing')).toThrow(
      new SpecError(
        [{ path: 'x.__proto__', message: "the key '__proto__' is refused at any level" }],
        'invalid thing',
      ),
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('never name an inherited table entry', () => {
    const table = { local: 1 };
    expect(ownEntry(table, 'local')).toBe(1);
    expect(ownEntry(table, 'toString')).toBeUndefined();
    expect(ownEntry(table, 'constructor')).toBeUndefined();
  });
});
