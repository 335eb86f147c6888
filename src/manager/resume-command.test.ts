import { describe, expect, it } from 'vitest';
import { resumeCommand, resumeTargetOf, shellWord } from './resume-command.js';

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
