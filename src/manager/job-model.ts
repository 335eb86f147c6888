/**
 * The model location a job's workers receive. A builtin name becomes its cached file. A model
 * in S3 goes to remote functions as its `s3://` URI (each container fetches it once, see
 * `worker/entry/remote-model.ts`); for local functions it is downloaded once into
 * `<home>/remote-models` and they get the local copy. The file is checked (present, not empty)
 * before any function starts, except an S3 model for remote functions, which they check.
 */
import path from 'node:path';
import { resolveModelPath } from '../models/cache.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import type { StorageRef } from '../core/storage-ref.js';
import { fetchToLocalFile } from '../storage/fetch.js';
import { isS3Location, type S3LocationOptions } from '../storage/uri.js';
import { obifaasHome } from '../util/paths.js';
import { resolveModelFile } from '../worker/model-source.js';

/** S3 connection settings of the job's storage, applied to an `s3://` model too. */
function s3Options(storage: StorageRef): S3LocationOptions {
  if (storage.type !== 's3') return {};
  return {
    ...(storage.region !== undefined ? { region: storage.region } : {}),
    ...(storage.endpoint !== undefined ? { endpoint: storage.endpoint } : {}),
    ...(storage.forcePathStyle !== undefined ? { forcePathStyle: storage.forcePathStyle } : {}),
  };
}

export async function resolveJobModel(
  spec: ResolvedJobSpec,
  storage: StorageRef,
  options: { home?: string } = {},
): Promise<string> {
  const uri = spec.model.uri;
  if (isS3Location(uri) && spec.backend.type !== 'local') return uri.trim();
  const located = await resolveModelPath(uri, options.home ? { home: options.home } : {});
  const cacheDir = path.join(options.home ?? obifaasHome(), 'remote-models');
  return resolveModelFile(await fetchToLocalFile(located, cacheDir, { s3: s3Options(storage) }));
}
