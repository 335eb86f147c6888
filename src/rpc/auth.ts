/** The job token: a random secret that every dispatcher call must carry. */
import { randomBytes } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import { sameSecret } from '../util/secret.js';

/** Metadata key of the token, sent as `Bearer <token>`. */
export const AUTHORIZATION_METADATA = 'authorization';
/** Metadata key of the calling worker's id. */
export const WORKER_ID_METADATA = 'x-obifaas-worker-id';

const WORKER_ID_PATTERN = /^[A-Za-z0-9._:@/-]{1,128}$/;

/** A new job token: 32 random bytes, base64url. */
export function newJobToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Null when the metadata carries the expected token; otherwise why not (never echoing the token). */
export function tokenProblem(metadata: Metadata, expected: string): string | null {
  const values = metadata.get(AUTHORIZATION_METADATA);
  if (values.length === 0) return 'missing job token (authorization metadata)';
  if (values.length > 1) return 'more than one authorization entry';
  const value = values[0];
  if (typeof value !== 'string' || !value.startsWith('Bearer '))
    return 'authorization must be "Bearer <job token>"';
  return sameSecret(value.slice('Bearer '.length), expected) ? null : 'wrong job token';
}

/** The worker id from the metadata, or an error message. */
export function workerIdFrom(metadata: Metadata): { workerId: string } | { problem: string } {
  const values = metadata.get(WORKER_ID_METADATA);
  const value = values.length === 1 ? values[0] : undefined;
  if (typeof value !== 'string' || !WORKER_ID_PATTERN.test(value)) {
    return { problem: `${WORKER_ID_METADATA} must be one id of 1-128 letters, digits or ._:@/-` };
  }
  return { workerId: value };
}
