/**
 * What a job's functions must be allowed to read and dial, from the job itself: its input
 * store (a folder, or an S3 bucket with its endpoint), its model and labels files, and for a
 * dynamic job the dispatcher's advertised address. The job manager deploys local functions
 * with it (`ComputeBackend.allowFunctions`); remote ones have theirs fixed by their deployment.
 */
import type { StorageRef } from '../core/storage-ref.js';
import { DEFAULT_DISPATCHERS, type FunctionAccess } from '../protocol/function-access.js';
import type { ModelRef } from '../protocol/invocation.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import { isS3Location, parseLocation } from '../storage/uri.js';
import { isLoopbackName } from '../util/loopback.js';

/**
 * The access the functions of a job need; `externalData`: the files its local model keeps its
 * external data in, as the model's check found them (not read again here).
 */
export function jobFunctionAccess(
  spec: ResolvedJobSpec,
  storage: StorageRef,
  model: ModelRef,
  externalData: readonly string[] = [],
): FunctionAccess {
  const readRoots: string[] = [];
  const buckets: string[] = [];
  const s3: FunctionAccess['s3'] = {};
  if (storage.type === 'fs') readRoots.push(storage.root);
  else {
    buckets.push(storage.bucket);
    if (storage.endpoint !== undefined) s3.endpoint = storage.endpoint;
    if (storage.region !== undefined) s3.region = storage.region;
    if (storage.forcePathStyle !== undefined) s3.forcePathStyle = storage.forcePathStyle;
  }
  for (const uri of [model.uri, model.labelsUri]) {
    if (uri === undefined) continue;
    if (isS3Location(uri)) {
      const { ref } = parseLocation(uri);
      if (ref.type === 's3') buckets.push(ref.bucket);
    } else readRoots.push(uri);
  }
  readRoots.push(...externalData);
  const dispatchers = [...DEFAULT_DISPATCHERS];
  // Loopback is there already; another advertised address is added (a warm process is kept
  // while the access it was started with still covers the job).
  if (spec.dispatch.type === 'dynamic' && !isLoopbackName(spec.dispatch.advertiseHost))
    dispatchers.push(spec.dispatch.advertiseHost);
  return { readRoots, buckets: [...new Set(buckets)], s3, dispatchers, dispatcherTls: 'optional' };
}
