/**
 * Fuzzing of what `deploy --zip` and the package builder read of files they are given: a zip's
 * central directory (mutants of zips with and without zip64 records, random bytes) and a
 * native binary's ELF header. Each answers or refuses with a `UserError`; nothing throws
 * elsewhere (an error thrown in an I/O callback would end the process).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { fuzz, mutantAt, mutants, outcomeOf } from '../../test/support/fuzz.js';
import { UserError } from '../errors.js';
import { foreignBinaryReason } from './native.js';
import { readZipInfo, type ZipInfo } from './zip-info.js';

async function zipBytes(zip64: boolean): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.alloc(300, 7), 'filler.bin');
  zip.addBuffer(Buffer.from('export const handler = 1;\n'), 'dir/index.mjs', { compress: false });
  zip.end({ comment: 'c', forceZip64Format: zip64 });
  const parts: Buffer[] = [];
  for await (const part of zip.outputStream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

let dir: string;
let samples: Buffer[];
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-zip-fuzz-'));
  samples = [await zipBytes(false), await zipBytes(true)];
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/**
 * `readZipInfo` of `bytes`, written to `name` in the test folder. Each test names its own file:
 * a test that ran past its timeout goes on writing its file, and must not change what the next
 * test reads.
 */
async function zipInfoOf(bytes: Uint8Array, name: string): Promise<{ value: ZipInfo } | { error: Error }> {
  const file = path.join(dir, name);
  await fs.writeFile(file, bytes);
  return outcomeOf(() => readZipInfo(file), [UserError]);
}

describe('package files on mutated and random bytes', () => {
  it('readZipInfo reads sizes and names, or refuses with UserError', async () => {
    const seen = { read: 0, refused: 0 };
    await fuzz(mutants(samples, 1, 400), async (bytes) => {
      const info = await zipInfoOf(bytes, 'mutant-package.zip');
      if ('error' in info) {
        expect(info.error.message).toMatch(/package\.zip is not a (valid )?zip file \(.+\)$/);
        seen.refused++;
        return;
      }
      seen.read++;
      expect(Number.isSafeInteger(info.value.unzippedBytes) && info.value.unzippedBytes >= 0).toBe(true);
      expect(info.value.zipBytes).toBe(bytes.length);
      for (const name of info.value.entries) expect(typeof name).toBe('string');
    });
    expect(seen.read).toBeGreaterThan(20);
    expect(seen.refused).toBeGreaterThan(200);
  });

  it('foreignBinaryReason reads any header (ELF or not) without throwing', async () => {
    const file = path.join(dir, 'lib.so');
    const elf = (await fs.readFile(process.execPath)).subarray(0, 64);
    await fuzz(mutants([elf], 2, 100, 40), async (bytes) => {
      await fs.writeFile(file, bytes);
      const reason = await foreignBinaryReason(file, { os: 'linux', cpu: 'arm64', libc: 'glibc' });
      expect(typeof reason === 'string' || reason === undefined).toBe(true);
    });
  });

  // A case the loop above found, kept as it was found: a zip64 locator whose offset passes
  // 2^53 made yauzl's reader call fs.read at that position, which threw inside an I/O callback
  // and ended the process.
  it('refuses a zip64 record offset past 2^53 (seed 1 case 267)', async () => {
    const outcome = await zipInfoOf(mutantAt(samples, 1, 267).bytes, 'found-package.zip');
    expect('error' in outcome && outcome.error.message).toMatch(/package\.zip is not a zip file \(.+\)$/);
  });
});
