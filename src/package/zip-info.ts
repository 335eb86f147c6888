/**
 * Sizes of an existing zip file, read from its central directory with yauzl (no extraction):
 * the zipped size, the sum of the entries' uncompressed sizes, and the entry names. Used to
 * check a package given to `deploy --zip` against Lambda's limits before any upload.
 */
import fs, { type FileHandle } from 'node:fs/promises';
import yauzl from 'yauzl';
import { UserError } from '../errors.js';
import { oneLine } from '../util/one-line.js';

export interface ZipInfo {
  zipBytes: number;
  unzippedBytes: number;
  entries: string[];
}

/**
 * A zip file's bytes as yauzl reads its directory (no entry's data is read). A read outside the
 * file is an error: the positions come from the zip's own fields (a zip64 offset may pass 2^53),
 * and yauzl's own reader calls `fs.read` at such a position, which throws in an I/O callback
 * where nothing catches it (the process ends, or the promise never settles).
 */
class FileRanges extends yauzl.RandomAccessReader {
  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
  ) {
    super();
  }

  private refusal(start: number, end: number): Error | null {
    const inside = Number.isSafeInteger(start) && Number.isSafeInteger(end) && 0 <= start && start <= end;
    return inside && end <= this.size
      ? null
      : new Error(`a record at byte ${start} lies outside the file (${this.size} bytes)`);
  }

  override read(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
    callback: (err: Error | null, bytesRead?: number) => void,
  ): void {
    const refused = this.refusal(position, position + length);
    if (refused) {
      setImmediate(() => callback(refused));
      return;
    }
    this.handle.read(buffer, offset, length, position).then(
      ({ bytesRead }) => callback(null, bytesRead),
      (err: Error) => callback(err),
    );
  }
}

export async function readZipInfo(file: string): Promise<ZipInfo> {
  const stat = await fs.stat(file).catch((err: NodeJS.ErrnoException) => {
    throw new UserError(`cannot read the package ${file} (${err.code ?? 'error'})`, { cause: err });
  });
  if (!stat.isFile()) throw new UserError(`cannot read the package ${file} (not a file)`);
  const handle = await fs.open(file, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new UserError(`cannot read the package ${file} (${err.code ?? 'error'})`, { cause: err });
  });
  try {
    let zip: yauzl.ZipFile;
    try {
      zip = await yauzl.fromRandomAccessReaderPromise(new FileRanges(handle, stat.size), stat.size, {
        lazyEntries: true,
      });
    } catch (err) {
      throw new UserError(`${file} is not a zip file (${oneLine((err as Error).message)})`, { cause: err });
    }
    let unzippedBytes = 0;
    const entries: string[] = [];
    try {
      for await (const entry of zip.eachEntry()) {
        unzippedBytes += entry.uncompressedSize;
        entries.push(entry.fileName);
      }
    } catch (err) {
      // The reader's message may quote an entry's name, control characters and all.
      throw new UserError(`${file} is not a valid zip file (${oneLine((err as Error).message)})`, {
        cause: err,
      });
    } finally {
      zip.close();
    }
    return { zipBytes: stat.size, unzippedBytes, entries };
  } finally {
    await handle.close();
  }
}
