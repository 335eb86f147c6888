import { describe, expect, it } from 'vitest';
import { StorageError } from '../errors.js';
import { JsonlLog } from './output.js';

/** The errors of two appends to `/dev/full` (a full disk) through a log opened with `options`. */
async function fullDiskErrors(options?: { resumeTarget?: string }): Promise<unknown[]> {
  const log = await JsonlLog.open('/dev/full', options);
  try {
    const errors: unknown[] = [];
    for (const line of [{ key: 'a' }, { key: 'b' }])
      errors.push(await log.append([line]).catch((e: unknown) => e));
    return errors;
  } finally {
    await log.close();
  }
}

describe.runIf(process.platform === 'linux')('JsonlLog on a full disk (/dev/full)', () => {
  it('rejects each append with a StorageError naming the file and the command that finishes the job', async () => {
    for (const err of await fullDiskErrors({ resumeTarget: "/data/Bob's jobs/run 1" })) {
      expect(err).toBeInstanceOf(StorageError);
      expect((err as StorageError).key).toBe('/dev/full');
      expect((err as Error).message).toMatch(
        /^cannot write \/dev\/full: ENOSPC: no space left on device, write; .*`obifaas run --resume '\/data\/Bob'\\''s jobs\/run 1'` finishes the job$/,
      );
    }
  });

  it("names a job's s3:// output, not its staging folder", async () => {
    for (const err of await fullDiskErrors({ resumeTarget: 's3://results/run-1' })) {
      expect((err as Error).message).toMatch(
        /`obifaas run --resume s3:\/\/results\/run-1` finishes the job$/,
      );
    }
  });

  it("gives no resume advice for a file that is not a job's", async () => {
    for (const err of await fullDiskErrors()) {
      expect(err).toBeInstanceOf(StorageError);
      expect((err as Error).message).toBe('cannot write /dev/full: ENOSPC: no space left on device, write');
    }
  });
});
