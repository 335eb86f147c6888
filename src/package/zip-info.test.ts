import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { UserError } from '../errors.js';
import { readZipInfo } from './zip-info.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-zip-info-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('readZipInfo', () => {
  it('reads the zipped size, the sum of uncompressed sizes and the names from the central directory', async () => {
    const file = path.join(dir, 'a.zip');
    const zip = new yazl.ZipFile();
    zip.addBuffer(Buffer.alloc(100_000, 7), 'filler.bin');
    zip.addBuffer(Buffer.from('export const handler = async () => ({});\n'), 'index.mjs');
    zip.addBuffer(Buffer.alloc(0), 'empty.txt', { compress: false });
    zip.end({ comment: 'a comment after the central directory', forceZip64Format: false });
    await pipeline(zip.outputStream, createWriteStream(file));
    const info = await readZipInfo(file);
    expect(info.entries).toEqual(['filler.bin', 'index.mjs', 'empty.txt']);
    expect(info.unzippedBytes).toBe(100_000 + 41);
    expect(info.zipBytes).toBe((await fs.stat(file)).size);
    expect(info.zipBytes).toBeLessThan(info.unzippedBytes);
  });

  it('refuses a file that is not a zip, and a missing file, with the file named', async () => {
    const file = path.join(dir, 'not.zip');
    await fs.writeFile(file, 'plain text, no central directory');
    await expect(readZipInfo(file)).rejects.toThrow(UserError);
    await expect(readZipInfo(file)).rejects.toThrow(`${file} is not a zip file`);
    const missing = path.join(dir, 'missing.zip');
    await expect(readZipInfo(missing)).rejects.toThrow(`cannot read the package ${missing} (ENOENT)`);
  });

  it('refuses an entry name the zip reader rejects in one line, its control characters escaped', async () => {
    const file = path.join(dir, 'absolute.zip');
    const zip = new yazl.ZipFile();
    zip.addBuffer(Buffer.from('x'), 'Xa\nb.mjs');
    zip.end();
    const chunks: Buffer[] = [];
    for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
    // An absolute name with a newline, which the zip writer would not write itself.
    const bytes = Buffer.from(
      Buffer.concat(chunks).toString('latin1').replaceAll('Xa\nb.mjs', '/a\nb.mjs'),
      'latin1',
    );
    await fs.writeFile(file, bytes);
    await expect(readZipInfo(file)).rejects.toThrow(
      `${file} is not a valid zip file (absolute path: /a\\nb.mjs)`,
    );
  });
});
