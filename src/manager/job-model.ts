/**
 * The model and labels locations a job's workers receive, checked before any function starts.
 * A builtin model name becomes its cached file. A model or labels file in S3 goes to remote
 * functions as its `s3://` URI (each container fetches it once, see
 * `worker/entry/remote-model.ts`); for local functions it is downloaded once into
 * `<home>/remote-models` and they get the local copy. Files are read through the same storage
 * code the functions use, and checked: a model present and not empty, labels readable and not
 * empty (an S3 model or labels file is fetched into the cache for that, once), and a model's
 * external data files (`worker/external-data.ts`). The bytes of the model and labels files are
 * hashed once here (an S3 model for remote functions through its cached copy): the job records
 * what it ran, its functions check the model against it, and a resume refuses a model or labels
 * file that changed.
 */
import path from 'node:path';
import { ModelError, StorageError } from '../errors.js';
import { resolveModelPath } from '../models/cache.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import type { StorageRef } from '../core/storage-ref.js';
import { fetchToLocalFile } from '../storage/fetch.js';
import { isS3Location, type S3LocationOptions } from '../storage/uri.js';
import { fileDigest, type FileDigest } from '../util/file-digest.js';
import { FileRefusal } from '../util/regular-file.js';
import { obifaasHome } from '../util/paths.js';
import { loadLabels, resolveModelFile } from '../worker/model-source.js';
import { checkExternalData, UNREADABLE_AT_THE_JOB } from '../worker/external-data.js';
import type { ModelDigests } from './types.js';

/**
 * S3 connection settings of the job's storage, applied to an `s3://` model or labels file too
 * (inputs on local storage: the job's `s3` settings).
 */
export function s3Options(storage: StorageRef, spec: ResolvedJobSpec): S3LocationOptions {
  if (storage.type !== 's3') return spec.s3 ?? {};
  return {
    ...(storage.region !== undefined ? { region: storage.region } : {}),
    ...(storage.endpoint !== undefined ? { endpoint: storage.endpoint } : {}),
    ...(storage.forcePathStyle !== undefined ? { forcePathStyle: storage.forcePathStyle } : {}),
  };
}

/**
 * A local copy of `uri` (an `s3://` object is downloaded into `cacheDir`; a path is returned as
 * it is). An object that is missing or refused is a {@link ModelError} naming `what`; an
 * unreachable store stays a {@link StorageError}.
 */
export async function localCopy(
  uri: string,
  what: string,
  cacheDir: string,
  s3: S3LocationOptions,
): Promise<string> {
  try {
    return await fetchToLocalFile(uri, cacheDir, { s3 });
  } catch (err) {
    if (err instanceof StorageError && err.code !== 'Unreachable' && err.code !== 'Other')
      throw new ModelError(`${what} ${uri}: ${err.message}`, { cause: err });
    throw err;
  }
}

/**
 * The SHA-256 and size of a local model or labels file, as a job records them: a file that cannot
 * be opened as a regular file is a {@link ModelError} naming it (a read that fails on the way
 * rejects as it does). A run and a dry run hash through this one helper.
 */
export async function jobFileDigest(file: string, what: 'model' | 'labels'): Promise<FileDigest> {
  try {
    return await fileDigest(file, `${what} file`);
  } catch (err) {
    if (err instanceof FileRefusal) throw new ModelError(err.message, { cause: err });
    throw err;
  }
}

/** Options of the model and labels lookups. */
export interface JobModelOptions {
  /** Where builtin models and downloaded copies are cached; default `obifaasHome()`. */
  home?: string;
}

/** The model file a job's functions receive, and the external data files its check found. */
export interface JobModelFile {
  uri: string;
  /**
   * The real paths of the files the model keeps its external data in, checked with it (none for
   * a remote model the functions fetch themselves): its local functions may read them too.
   */
  externalData: string[];
  /** The model file's SHA-256 and size as the job started with it. */
  digest: FileDigest;
}

/** The labels file its functions receive, and its SHA-256 and size. */
export interface JobLabelsFile {
  uri: string;
  digest: FileDigest;
}

/** The model as the job's functions receive it; a {@link ModelError} when it is missing or empty. */
export async function resolveModelUri(
  spec: ResolvedJobSpec,
  storage: StorageRef,
  options: JobModelOptions = {},
): Promise<JobModelFile> {
  const modelUri = spec.model.uri;
  const cacheDir = path.join(options.home ?? obifaasHome(), 'remote-models');
  if (isS3Location(modelUri) && spec.backend.type !== 'local') {
    // The functions fetch it themselves; the cached copy (read for the contract too) is hashed.
    const copy = await localCopy(modelUri, 'model', cacheDir, s3Options(storage, spec));
    return { uri: modelUri.trim(), externalData: [], digest: await jobFileDigest(copy, 'model') };
  }
  const located = await resolveModelPath(modelUri, options.home ? { home: options.home } : {});
  const file = await resolveModelFile(await localCopy(located, 'model', cacheDir, s3Options(storage, spec)));
  const external = await checkExternalData(file, {
    unreadable: UNREADABLE_AT_THE_JOB,
    ...(isS3Location(modelUri) ? { fetchedFrom: modelUri.trim() } : {}),
  });
  return {
    uri: file,
    externalData: external.map((f) => f.file),
    digest: await jobFileDigest(file, 'model'),
  };
}

/**
 * The labels file as the job's functions receive it, with its digest (undefined without one); a
 * {@link ModelError} when it is missing, empty or unreadable.
 */
export async function resolveLabelsUri(
  spec: ResolvedJobSpec,
  storage: StorageRef,
  options: JobModelOptions = {},
): Promise<JobLabelsFile | undefined> {
  const labelsUri = spec.model.labelsUri;
  if (labelsUri === undefined) return undefined;
  const cacheDir = path.join(options.home ?? obifaasHome(), 'remote-models');
  const labelsFile = await localCopy(labelsUri, 'labels', cacheDir, s3Options(storage, spec));
  await loadLabels(labelsFile);
  const digest = await jobFileDigest(labelsFile, 'labels');
  return {
    uri: isS3Location(labelsUri) && spec.backend.type !== 'local' ? labelsUri.trim() : labelsFile,
    digest,
  };
}

/**
 * What the model and labels files of `spec` hold now (read as a job's functions would get them),
 * for comparing with the digests a job recorded when it started.
 */
export async function readModelDigests(
  spec: ResolvedJobSpec,
  storage: StorageRef,
  options: JobModelOptions = {},
): Promise<ModelDigests> {
  const [model, labels] = await Promise.all([
    resolveModelUri(spec, storage, options),
    resolveLabelsUri(spec, storage, options),
  ]);
  return {
    sha256: model.digest.sha256,
    bytes: model.digest.bytes,
    ...(labels ? { labelsSha256: labels.digest.sha256, labelsBytes: labels.digest.bytes } : {}),
  };
}
