/**
 * Brings a payload's model (and labels) to the function's local disk when they live in storage
 * (`s3://...`): downloaded once per container into a cache folder, then the payload names the
 * local file. Entries for remote runtimes (Lambda, HTTP) call it before the handler.
 */
import os from 'node:os';
import path from 'node:path';
import { ModelError, StorageError } from '../../errors.js';
import { fetchToLocalFile } from '../../storage/fetch.js';
import { isS3Location, type S3LocationOptions } from '../../storage/uri.js';
import type { WorkerPayload } from '../../protocol/invocation.js';

/** Where remote models are cached: `$OBIFAAS_MODEL_CACHE` or `<tmp>/obifaas-models` (`/tmp` on Lambda). */
export function modelCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.OBIFAAS_MODEL_CACHE;
  return fromEnv && fromEnv.trim() !== '' ? path.resolve(fromEnv) : path.join(os.tmpdir(), 'obifaas-models');
}

/**
 * The payload with `s3://` model and labels locations replaced by local copies. The S3
 * connection settings (endpoint, region, path style) are the payload's storage's when it is S3.
 * A model that cannot be fetched is a {@link ModelError} (not worth retrying) unless the store
 * was unreachable.
 */
export async function localizeModel(
  payload: WorkerPayload,
  cacheDir = modelCacheDir(),
): Promise<WorkerPayload> {
  if (typeof payload !== 'object' || payload === null || payload.kind === 'ping') return payload;
  const model = (payload as { model?: unknown }).model as { uri?: unknown; labelsUri?: unknown } | undefined;
  if (typeof model !== 'object' || model === null) return payload;
  const storage = (payload as { storage?: unknown }).storage as { type?: unknown } | undefined;
  const s3: S3LocationOptions = {};
  if (storage?.type === 's3') {
    const ref = storage as S3LocationOptions;
    if (ref.region !== undefined) s3.region = ref.region;
    if (ref.endpoint !== undefined) s3.endpoint = ref.endpoint;
    if (ref.forcePathStyle !== undefined) s3.forcePathStyle = ref.forcePathStyle;
  }
  const fetchOne = async (uri: unknown, what: string): Promise<unknown> => {
    if (typeof uri !== 'string' || !isS3Location(uri)) return uri;
    try {
      return await fetchToLocalFile(uri, cacheDir, { s3 });
    } catch (err) {
      if (err instanceof StorageError && err.code !== 'Unreachable' && err.code !== 'Other') {
        throw new ModelError(`${what} ${uri}: ${err.message}`, { cause: err });
      }
      throw err;
    }
  };
  const uri = await fetchOne(model.uri, 'model');
  const labelsUri = await fetchOne(model.labelsUri, 'labels');
  return {
    ...payload,
    model: { ...model, uri, ...(labelsUri !== undefined ? { labelsUri } : {}) },
  } as WorkerPayload;
}
