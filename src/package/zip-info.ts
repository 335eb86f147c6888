/**
 * Sizes of an existing zip file, read from its central directory (no extraction): the zipped
 * size, the sum of the entries' uncompressed sizes, and the entry names. Used to check a package
 * given to `deploy --zip` against Lambda's limits before any upload.
 */
import fs from 'node:fs/promises';
import { UserError } from '../errors.js';

export interface ZipInfo {
  zipBytes: number;
  unzippedBytes: number;
  entries: string[];
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const EOCD_MIN = 22;
const MAX_COMMENT = 0xffff;

export async function readZipInfo(file: string): Promise<ZipInfo> {
  let data: Buffer;
  try {
    data = await fs.readFile(file);
  } catch (err) {
    throw new UserError(
      `cannot read the package ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const notZip = (): UserError => new UserError(`${file} is not a zip file (no central directory found)`);
  let eocd = -1;
  for (let i = data.length - EOCD_MIN; i >= Math.max(0, data.length - EOCD_MIN - MAX_COMMENT); i--) {
    if (data.readUInt32LE(i) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw notZip();
  const count = data.readUInt16LE(eocd + 10);
  const offset = data.readUInt32LE(eocd + 16);
  if (count === 0xffff || offset === 0xffffffff)
    throw new UserError(`${file} is a ZIP64 archive, larger than Lambda accepts`);
  let at = offset;
  let unzippedBytes = 0;
  const entries: string[] = [];
  for (let n = 0; n < count; n++) {
    if (at + 46 > data.length || data.readUInt32LE(at) !== CENTRAL_SIGNATURE) throw notZip();
    unzippedBytes += data.readUInt32LE(at + 24);
    const nameLength = data.readUInt16LE(at + 28);
    const extraLength = data.readUInt16LE(at + 30);
    const commentLength = data.readUInt16LE(at + 32);
    entries.push(data.toString('utf8', at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return { zipBytes: data.length, unzippedBytes, entries };
}
