/**
 * Builds the SDK client behind `S3BlobStore`: region, endpoint and path style from the
 * `StorageRef`, the `standard` retry strategy (exponential backoff with jitter on throttling,
 * 5xx and transient network errors), and a keep-alive HTTP agent. Credentials come from the
 * SDK's default chain unless a test passes its own.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { StorageRef } from '../../core/storage-ref.js';

/** An S3 storage reference. */
export type S3StorageRef = Extract<StorageRef, { type: 's3' }>;

/** Tuning and test seams for `S3BlobStore`; every field is optional. */
export interface S3StoreOptions {
  /**
   * Explicit credentials, for tests against local S3 servers only. Production code leaves this
   * unset so the SDK's default chain applies.
   */
  credentials?: S3ClientConfig['credentials'];
  /** Attempts per call, first try included (SDK standard retry strategy). */
  maxAttempts?: number;
  /** Bodies of at least this many bytes go up as multipart uploads. */
  multipartThresholdBytes?: number;
  /** Size of each multipart part; at least 5 MiB (S3's minimum). */
  partSizeBytes?: number;
  /** Parts of one multipart upload sent at once. */
  partConcurrency?: number;
  /** Sockets per host in the keep-alive agent. */
  maxSockets?: number;
  /** Connect timeout. */
  connectionTimeoutMs?: number;
  /** Socket idle timeout during a request: an attempt that receives nothing this long fails. */
  requestTimeoutMs?: number;
}

const MIB = 1024 * 1024;
export const S3_MIN_PART_SIZE_BYTES = 5 * MIB;
export const S3_DEFAULTS = {
  maxAttempts: 5,
  multipartThresholdBytes: 8 * MIB,
  partSizeBytes: 8 * MIB,
  partConcurrency: 4,
  maxSockets: 64,
  connectionTimeoutMs: 5_000,
  requestTimeoutMs: 60_000,
  region: 'us-east-1',
} as const;

/** The tuning a store runs with: every option resolved. */
export type ResolvedS3StoreOptions = Required<Omit<S3StoreOptions, 'credentials'>>;

/** The tuning of `options`, each one not given from {@link S3_DEFAULTS}; a part size under S3's minimum is refused. */
export function resolveS3StoreOptions(options: Omit<S3StoreOptions, 'credentials'>): ResolvedS3StoreOptions {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const resolved: ResolvedS3StoreOptions = { ...S3_DEFAULTS, ...given };
  if (resolved.partSizeBytes < S3_MIN_PART_SIZE_BYTES)
    throw new RangeError(`partSizeBytes must be >= ${S3_MIN_PART_SIZE_BYTES}, got ${resolved.partSizeBytes}`);
  return resolved;
}

export function createS3Client(
  ref: S3StorageRef,
  region: string,
  options: ResolvedS3StoreOptions,
  credentials: S3StoreOptions['credentials'],
): S3Client {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets };
  return new S3Client({
    region,
    ...(ref.endpoint !== undefined ? { endpoint: ref.endpoint } : {}),
    // S3-compatible servers rarely resolve virtual-hosted bucket names; AWS itself does.
    forcePathStyle: ref.forcePathStyle ?? ref.endpoint !== undefined,
    followRegionRedirects: true,
    maxAttempts: options.maxAttempts,
    retryMode: 'standard',
    // Many S3-compatible servers reject the newer flexible-checksum headers and chunked trailers.
    ...(ref.endpoint !== undefined
      ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
      : {}),
    ...(credentials !== undefined ? { credentials } : {}),
    // The SDK's shorthand: these options build its own Node HTTP handler.
    requestHandler: {
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
      connectionTimeout: options.connectionTimeoutMs,
      // An idle socket fails the attempt (retried like any network error). The handler's own
      // `requestTimeout` bounds the whole request and only logs a warning when it passes, so a
      // service that never answers held the call (and the function's split) until the
      // invocation's timeout.
      socketTimeout: options.requestTimeoutMs,
    },
  });
}

/** The region from the SDK's chain (`AWS_REGION`, the profile), or `undefined` when none is set. */
export async function regionFromSdkChain(): Promise<string | undefined> {
  const probe = new S3Client({});
  try {
    return await probe.config.region();
  } catch {
    return undefined;
  } finally {
    probe.destroy();
  }
}
