import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, renderConfigTable } from './keys.js';

describe('key table', () => {
  it('has unique flags and variables, all documented in the rendered table', () => {
    const flags = CONFIG_KEYS.flatMap((k) => (k.flag ? [k.flag] : []));
    const envs = CONFIG_KEYS.flatMap((k) => (k.env ? [k.env] : []));
    expect(new Set(flags).size).toBe(flags.length);
    expect(new Set(envs).size).toBe(envs.length);
    const table = renderConfigTable();
    for (const name of [...flags, ...envs]) expect(table).toContain(name);
  });

  it('is the README table, as renderConfigTable() writes it', async () => {
    const readme = await readFile(path.resolve(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    // The README's copy is padded by the formatter: compare cell by cell.
    const cells = (table: string): string[][] =>
      table
        .split('\n')
        .filter((line) => line.startsWith('|') && !/^\|[\s|-]+\|$/.test(line))
        .map((line) =>
          line
            .slice(1, -1)
            .split(' | ')
            .map((cell) => cell.trim()),
        );
    const start = readme.indexOf('| Config key');
    const end = readme.indexOf('\n\n', start);
    expect(start).toBeGreaterThan(0);
    expect(cells(readme.slice(start, end))).toEqual(cells(renderConfigTable()));
  });

  it('is documented in the README: every key, flag and variable', async () => {
    const readme = await readFile(path.resolve(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    for (const key of CONFIG_KEYS) {
      expect(readme).toContain(`\`${key.path}\``);
      if (key.flag) expect(readme).toContain(`\`${key.flag} ${key.valueName}\``);
      if (key.env) expect(readme).toContain(`\`${key.env}\``);
    }
  });
});
