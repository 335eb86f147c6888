/** Unpacks a zip with yauzl into a folder, keeping file modes; refuses entries that leave it. */
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';

/** Unpacks `file` into `into`; returns the entry names in zip order. */
export async function unzip(file: string, into: string): Promise<string[]> {
  const root = path.resolve(into);
  const zip = await yauzl.openPromise(file, { lazyEntries: true });
  const names: string[] = [];
  try {
    for await (const entry of zip.eachEntry()) {
      const target = path.join(root, entry.fileName);
      if (!target.startsWith(root + path.sep)) throw new Error(`zip entry ${entry.fileName} leaves ${root}`);
      names.push(entry.fileName);
      if (entry.fileName.endsWith('/')) continue;
      await fs.mkdir(path.dirname(target), { recursive: true });
      await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(target));
      const mode = (entry.externalFileAttributes >>> 16) & 0o777;
      if (mode) await fs.chmod(target, mode);
    }
  } finally {
    zip.close();
  }
  return names;
}
