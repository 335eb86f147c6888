import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeLabelledResult } from './labelled-results.js';

describe('writeLabelledResult', () => {
  let dir: string;
  let file: string;
  const heading = { benchmark: 'demo', notes: 'What demo measures.' };
  const read = async (): Promise<unknown> => JSON.parse(await readFile(file, 'utf8'));

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-labelled-'));
    file = path.join(dir, 'results', 'demo.json');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('starts a file with the heading and the label, creating its folder', async () => {
    await writeLabelledResult(file, heading, 'before', { ms: 10 });
    expect(await read()).toEqual({ ...heading, results: { before: { ms: 10 } } });
  });

  it('replaces its own label, notes and name and keeps the other labels and the fields that are not its own, in their order', async () => {
    await writeLabelledResult(file, heading, 'before', { ms: 10 });
    const text = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    const labels = { before: 'the build of commit abc', after: 'the build of commit def' };
    await writeFile(file, JSON.stringify({ ...text, labels, machine: 'a quiet 2-core machine' }));
    await writeLabelledResult(file, heading, 'after', { ms: 8 });
    await writeLabelledResult(file, { ...heading, notes: 'What demo measures, said better.' }, 'before', {
      ms: 9,
    });
    const written = (await read()) as Record<string, unknown>;
    expect(written).toEqual({
      benchmark: 'demo',
      notes: 'What demo measures, said better.',
      results: { before: { ms: 9 }, after: { ms: 8 } },
      labels,
      machine: 'a quiet 2-core machine',
    });
    expect(Object.keys(written)).toEqual(['benchmark', 'notes', 'results', 'labels', 'machine']);
  });

  it('refuses to write over a file it cannot read back', async () => {
    await writeLabelledResult(file, heading, 'before', { ms: 10 });
    await writeFile(file, JSON.stringify({ results: ['not', 'labelled'] }));
    await expect(writeLabelledResult(file, heading, 'after', { ms: 8 })).rejects.toThrow(
      `${file} is not a labelled results file`,
    );
    await writeFile(file, '{ "results": ');
    await expect(writeLabelledResult(file, heading, 'after', { ms: 8 })).rejects.toThrow(SyntaxError);
    expect(await readFile(file, 'utf8')).toBe('{ "results": ');
  });
});
