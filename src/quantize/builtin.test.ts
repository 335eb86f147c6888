/**
 * The cached int8 builtin is named by its recipe versions, and docs/int8.md names the current
 * one: a recipe bump that the docs do not follow fails here.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { BUILTIN_RECIPE_VERSION } from '../models/cache.js';
import { INT8_RECIPE_VERSION, int8BuiltinModelPath } from './builtin.js';

describe('the int8 builtin model file', () => {
  const name = `resnet50-int8-r${BUILTIN_RECIPE_VERSION}-q${INT8_RECIPE_VERSION}-seed0.onnx`;

  it('is named by the weight and the int8 recipe versions', () => {
    expect(int8BuiltinModelPath('resnet50', { home: '/h' })).toBe(`/h/models/${name}`);
  });

  it('is named as docs/int8.md names it', async () => {
    const doc = await readFile(new URL('../../docs/int8.md', import.meta.url), 'utf8');
    expect(doc).toContain(`(\`-q${INT8_RECIPE_VERSION}\`: \`${name}\`)`);
  });
});
