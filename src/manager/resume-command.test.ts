import { describe, expect, it } from 'vitest';
import { resumeCommand, resumeTargetOf, shellWord, unfinishedInputs } from './resume-command.js';
import type { SplitRecord } from './types.js';

describe('resumeCommand', () => {
  it('leaves a plain path as it is', () => {
    expect(resumeCommand('/data/out/photos-1')).toBe('obifaas run --resume /data/out/photos-1');
  });

  it('quotes a path with a space and a quote as one shell word', () => {
    expect(resumeCommand("/data/Bob's jobs/run 1")).toBe(`obifaas run --resume '/data/Bob'\\''s jobs/run 1'`);
  });

  it('names an s3:// output as it is', () => {
    expect(resumeCommand('s3://my-results/photos/run-1')).toBe(
      'obifaas run --resume s3://my-results/photos/run-1',
    );
  });

  it('quotes shell characters ($, *, ;) too', () => {
    expect(shellWord('a$b*;c')).toBe(`'a$b*;c'`);
  });

  it('writes control characters as escapes in ANSI-C quotes, never as they are', () => {
    expect(shellWord("/o/a\nb\t'c\\")).toBe(`$'/o/a\\nb\\t\\'c\\\\'`);
    expect(shellWord('/o/\u202egpj.exe\u001b[2J')).toBe(`$'/o/\\u202egpj.exe\\x1b[2J'`);
  });

  it('keeps a word that starts with a dash from being read as an option', () => {
    expect(shellWord('-rf')).toBe('./-rf');
    expect(shellWord("-it's")).toBe(`'./-it'\\''s'`);
  });
});

describe('resumeTargetOf', () => {
  it("is a job's s3:// output, not its staging folder", () => {
    const uploadTo = { uri: 's3://bucket/prefix' } as Parameters<typeof resumeTargetOf>[0]['uploadTo'];
    expect(resumeTargetOf({ outDir: '/home/u/.cache/obifaas/staging/prefix', uploadTo })).toBe(
      's3://bucket/prefix',
    );
  });

  it("is a job's output folder otherwise", () => {
    expect(resumeTargetOf({ outDir: '/data/out/job' })).toBe('/data/out/job');
  });
});

describe('unfinishedInputs', () => {
  const split = (inputs: number, status: SplitRecord['status']) => ({ inputs, status });

  it('counts the inputs of the splits not finished, and of those the records do not hold', () => {
    const summary = { inputs: 10 };
    expect(unfinishedInputs({ splits: [split(4, 'done'), split(3, 'running')], summary })).toBe(6);
    expect(unfinishedInputs({ splits: [split(4, 'done'), split(6, 'done')], summary })).toBe(0);
    expect(unfinishedInputs({ splits: [], summary })).toBe(10);
  });
});
