/**
 * Fuzzing of config and preprocessing files (YAML, and JSON read as YAML): mutants of configs
 * with anchors and aliases, flow and block collections, comments, and random bytes. Each is
 * read into settings and problems, or refused with a `SpecError`; never another error, never
 * a walk without end.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fuzz, mutantAt, mutants, outcome } from '../../test/support/fuzz.js';
import { SpecError } from '../errors.js';
import { checkConfigText } from './file.js';
import { loadPreprocessFile } from './preprocess-declarations.js';

const samples = [
  'inputs: s3://bucket/images/\nmodel: tiny\nsplitSize: 4\nworkers: 8\nbackend:\n  type: local\n  memoryMb: 2048\nstorage:\n  type: fs\n  root: ./data\n# comment\n',
  '{"inputs": "a", "model": "tiny", "backend": {"type": "lambda", "functionName": "f"}, "workers": 2}',
  'base: &b\n  type: local\nbackend: *b\nlist: [1, 2, {a: b}]\nmulti: |\n  text\n',
].map((text) => Buffer.from(text));

describe('config files on mutated and random text', () => {
  it('read into settings and problems, or refuse with SpecError', async () => {
    const seen = { read: 0, refused: 0 };
    await fuzz(mutants(samples, 1, 400), (bytes) => {
      const text = Buffer.from(bytes).toString('utf8');
      const checked = outcome(() => checkConfigText(text, 'c.yaml', '/tmp'), [SpecError]);
      if ('error' in checked) {
        expect(checked.error.message).toMatch(/^invalid config file c\.yaml: /);
        seen.refused++;
      } else seen.read++;
    });
    expect(seen.read).toBeGreaterThan(50);
    expect(seen.refused).toBeGreaterThan(50);
  });

  // A case the loop above found, kept as it was found: an alias inside the mapping it names
  // made a value that holds itself, whose checks walked it without end until the heap ran out.
  it('refuses an alias to a value that holds it (seed 1 case 633), and aliases past the limit', async () => {
    const text = Buffer.from(mutantAt(samples, 1, 633).bytes).toString('utf8');
    expect(text).toBe('base: &b\n  type:ambdaackend: *b\nlist: [1, 2, {a: b}]\nmulti: |\n  text\n');
    expect(() => checkConfigText(text, 'c.yaml', '/tmp')).toThrow(
      new SpecError(
        [{ path: 'line 2, column 21', message: 'alias *b refers to a value that holds it' }],
        'invalid config file c.yaml',
      ),
    );
    const nine = (alias: string): string => `[${new Array(9).fill(alias).join(', ')}]`;
    const bomb = [
      'a: &a ["x"]',
      ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} ${nine(`*${'abcdefghi'[i]}`)}`),
    ].join('\n');
    expect(() => checkConfigText(bomb, 'bomb.yaml', '/tmp')).toThrow(
      /invalid config file bomb\.yaml: .*alias/i,
    );
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-config-fuzz-'));
    try {
      await fs.writeFile(path.join(dir, 'p.yaml'), 'resize: &r\n  size: *r\n');
      await expect(loadPreprocessFile('p.yaml', dir)).rejects.toThrow(
        'invalid preprocessing file p.yaml: line 2, column 9: alias *r refers to a value that holds it',
      );
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
