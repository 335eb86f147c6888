/**
 * Sizes of an existing zip file, read from its central directory with yauzl (no extraction):
 * the zipped size, the sum of the entries' uncompressed sizes, and the entry names. Used to
 * check a package given to `deploy --zip` against Lambda's limits before any upload.
 */
import fs from 'node:fs/promises';
import yauzl from 'yauzl';
import { UserError } from '../errors.js';

export interface ZipInfo {
  zipBytes: number;
  unzippedBytes: number;
  entries: string[];
}

export async function readZipInfo(file: string): Promise<ZipInfo> {
  const stat = await fs.stat(file).catch((err: NodeJS.ErrnoException) => {
    throw new UserError(`cannot read the package ${file} (${err.code ?? 'error'})`, { cause: err });
  });
  if (!stat.isFile()) throw new UserError(`cannot read the package ${file} (not a file)`);
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(file, { lazyEntries: true });
  } catch (err) {
    throw new UserError(`${file} is not a zip file (${(err as Error).message})`, { cause: err });
  }
  let unzippedBytes = 0;
  const entries: string[] = [];
  try {
    for await (const entry of zip.eachEntry()) {
      unzippedBytes += entry.uncompressedSize;
      entries.push(entry.fileName);
    }
  } catch (err) {
    throw new UserError(`${file} is not a valid zip file (${(err as Error).message})`, { cause: err });
  } finally {
    zip.close();
  }
  return { zipBytes: stat.size, unzippedBytes, entries };
}
