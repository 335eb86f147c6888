import { describe, expect, it } from 'vitest';
import { uploadFailedNote } from './upload-outputs.js';

describe('uploadFailedNote', () => {
  it("names the job's s3:// output for --resume, not its staging folder", () => {
    const note = uploadFailedNote({
      status: 'failed',
      to: 's3://results/run-1',
      files: 7,
      sent: 2,
      error: 'SlowDown',
      staging: '/home/u/.cache/obifaas/staging/run-1',
    });
    expect(note).toBe(
      'outputs not uploaded to s3://results/run-1: SlowDown; they are in /home/u/.cache/obifaas/staging/run-1. ' +
        'Finish the upload with `obifaas run --resume s3://results/run-1` (the job does not run again)',
    );
  });
});
