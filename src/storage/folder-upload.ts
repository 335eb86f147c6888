/**
 * Copies a local folder's files into a store and back, for outputs kept in object storage.
 *
 * `uploadFolder` puts every plain file of the folder (sub-folders included; hidden files and
 * unfinished `*.tmp` writes left out) under its relative path, in order, and records each
 * object it put in a state file (its SHA-256 and size), rewritten whole after every object. An
 * upload cut short (a failure, a crash) is completed by calling it again: a file whose bytes
 * match what was recorded, and whose object the store lists, is not sent again.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { writeFileAtomic } from '../util/atomic-file.js';
import { checkSchema, intRange } from '../util/schema.js';
import type { BlobStore } from './blob-store.js';
import { assertValidKey, compareKeys } from './keys.js';

/** What the state file records: the target, and each object put there. */
const uploadStateSchema = z.strictObject({
  version: z.literal(1),
  target: z.string(),
  objects: z.record(z.string(), z.strictObject({ sha256: z.string(), bytes: intRange(0) })),
});

/** The state file of an upload (a hidden file is never uploaded itself). */
export type UploadState = z.output<typeof uploadStateSchema>;

/** What one `uploadFolder` call did. */
export interface FolderUpload {
  /** Every file of the folder, in upload order (relative paths with `/`). */
  files: string[];
  /** Those sent by this call. */
  sent: string[];
  /** Those already in the store, unchanged since they were sent. */
  unchanged: string[];
  bytesSent: number;
}

export interface UploadFolderOptions {
  /** Where the upload's state is kept (a file outside the uploaded set: hidden, or elsewhere). */
  stateFile: string;
  /** Names the target in the state file; a state of another target is ignored. */
  target: string;
  /** Upload only these files (relative paths), when given. */
  only?: readonly string[];
  /** Files never uploaded (relative paths), such as a lock held while the folder is uploaded. */
  except?: (file: string) => boolean;
  /** Files sent after all the others, in this order (e.g. the record that marks a job done). */
  last?: readonly string[];
  /** Called before each file is sent. */
  onFile?: (file: string, index: number, count: number) => void;
}

/** Hidden files, and the temporary files of writes in progress, are not a folder's outputs. */
function isOutputFile(relative: string): boolean {
  return !relative.split('/').some((segment) => segment.startsWith('.')) && !relative.endsWith('.tmp');
}

/** The plain files under `dir` (relative, with `/`), sorted as the store sorts keys. */
export async function listFolderFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .filter(isOutputFile)
    .sort(compareKeys);
}

/** The state recorded for `target` (an empty one when the file is missing, damaged or another target's). */
export async function readUploadState(stateFile: string, target: string): Promise<UploadState> {
  const empty: UploadState = { version: 1, target, objects: {} };
  const text = await readFile(stateFile, 'utf8').catch(() => null);
  if (text === null) return empty;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return empty;
  }
  const parsed = checkSchema(uploadStateSchema, value);
  return parsed.ok && parsed.data.target === target ? parsed.data : empty;
}

const writeState = (stateFile: string, state: UploadState): Promise<void> =>
  writeFileAtomic(stateFile, Buffer.from(`${JSON.stringify(state, null, 2)}\n`, 'utf8'));

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/**
 * Uploads the files of `dir` into `store` (see the module's comment). Throws the store's error
 * on the first object that cannot be put; the state file then records those put before it.
 */
export async function uploadFolder(
  dir: string,
  store: BlobStore,
  options: UploadFolderOptions,
): Promise<FolderUpload> {
  const listed = await listFolderFiles(dir);
  const chosen = (options.only ? listed.filter((f) => options.only?.includes(f)) : listed).filter(
    (f) => !options.except?.(f),
  );
  const last = (options.last ?? []).filter((f) => chosen.includes(f));
  const files = [...chosen.filter((f) => !last.includes(f)), ...last];
  for (const file of files) assertValidKey(file);

  const state = await readUploadState(options.stateFile, options.target);
  const present = new Set<string>();
  if (files.some((f) => state.objects[f] !== undefined))
    for await (const key of store.list()) present.add(key);
  const result: FolderUpload = { files, sent: [], unchanged: [], bytesSent: 0 };
  for (const [index, file] of files.entries()) {
    const bytes = await readFile(path.join(dir, ...file.split('/')));
    const digest = sha256(bytes);
    if (state.objects[file]?.sha256 === digest && present.has(file)) {
      result.unchanged.push(file);
      continue;
    }
    options.onFile?.(file, index, files.length);
    await store.put(file, bytes);
    state.objects[file] = { sha256: digest, bytes: bytes.byteLength };
    await writeState(options.stateFile, state);
    result.sent.push(file);
    result.bytesSent += bytes.byteLength;
  }
  return result;
}

/** What `downloadFolder` copied. */
export interface FolderDownload {
  files: string[];
  bytes: number;
}

/**
 * Copies every object of `store` into `dir` under its key (the inverse of `uploadFolder`), and
 * records them in the state file as uploaded, so that an upload after this sends only what
 * changes. Hidden keys are left out; the `last` ones are written after all the others (a reader
 * that finds them finds the rest), each file whole or not at all.
 */
export async function downloadFolder(
  store: BlobStore,
  dir: string,
  options: Pick<UploadFolderOptions, 'stateFile' | 'target' | 'last'>,
): Promise<FolderDownload> {
  const listed: string[] = [];
  for await (const key of store.list()) if (isOutputFile(key)) listed.push(key);
  const last = (options.last ?? []).filter((f) => listed.includes(f));
  const keys = [...listed.filter((k) => !last.includes(k)), ...last];
  const state = await readUploadState(options.stateFile, options.target);
  let total = 0;
  for (const key of keys) {
    assertValidKey(key);
    const bytes = await store.get(key);
    const file = path.join(dir, ...key.split('/'));
    await writeFileAtomic(file, bytes);
    state.objects[key] = { sha256: sha256(bytes), bytes: bytes.byteLength };
    total += bytes.byteLength;
  }
  await writeState(options.stateFile, state);
  return { files: keys, bytes: total };
}
