import { describe, expect, it } from 'vitest';
import { StorageError } from '../errors.js';
import { JsonlLog } from './output.js';

describe.runIf(process.platform === 'linux')('JsonlLog on a full disk (/dev/full)', () => {
  it('rejects each append with a StorageError naming the file and how to finish the job', async () => {
    const log = await JsonlLog.open('/dev/full');
    try {
      for (const line of [{ key: 'a' }, { key: 'b' }]) {
        const err = await log.append([line]).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(StorageError);
        expect((err as StorageError).key).toBe('/dev/full');
        expect((err as Error).message).toMatch(
          /^cannot write \/dev\/full: ENOSPC: no space left on device, write; .*`obifaas run --resume \/dev` finishes the job$/,
        );
      }
    } finally {
      await log.close();
    }
  });
});
