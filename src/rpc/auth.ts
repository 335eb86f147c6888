/**
 * Who may talk to the split dispatcher. The job token is a random secret that never leaves the
 * job manager; each invocation gets its own credential instead, bound to its worker id (an
 * HMAC of the id under the job token), so a worker that holds one cannot act as another, and
 * one that has ended (its id no longer live) cannot come back.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import { sameSecret } from '../util/secret.js';

/** Metadata key of the credential, sent as `Bearer <credential>`. */
export const AUTHORIZATION_METADATA = 'authorization';
/** Metadata key of the calling worker's id. */
export const WORKER_ID_METADATA = 'x-obifaas-worker-id';

const WORKER_ID_PATTERN = /^[A-Za-z0-9._:@/-]{1,128}$/;

/** A new job token: 32 random bytes, base64url. */
export function newJobToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The credential of worker `workerId` of the job whose token is `jobToken`. */
export function workerCredential(jobToken: string, workerId: string): string {
  return createHmac('sha256', jobToken).update(`obifaas worker ${workerId}`).digest('base64url');
}

/** The bearer value of the metadata, or why there is none (never echoing what was sent). */
function bearerOf(metadata: Metadata): { bearer: string } | { problem: string } {
  const values = metadata.get(AUTHORIZATION_METADATA);
  if (values.length === 0) return { problem: 'missing credential (authorization metadata)' };
  if (values.length > 1) return { problem: 'more than one authorization entry' };
  const value = values[0];
  if (typeof value !== 'string' || !value.startsWith('Bearer '))
    return { problem: 'authorization must be "Bearer <credential>"' };
  return { bearer: value.slice('Bearer '.length) };
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

/** A stream's caller: a live worker with its own credential, or why it is refused. */
export type WorkerAuthentication =
  { workerId: string } | { refused: 'unauthenticated' | 'invalid-metadata'; problem: string };

/**
 * Checks a stream's metadata: a bearer credential, one worker id, the credential of that id
 * (compared in constant time), and an id still live (`isLive`: its invocation has not ended).
 */
export function authenticateWorker(
  metadata: Metadata,
  jobToken: string,
  isLive: (workerId: string) => boolean,
): WorkerAuthentication {
  const bearer = bearerOf(metadata);
  if ('problem' in bearer) return { refused: 'unauthenticated', problem: bearer.problem };
  const id = workerIdFrom(metadata);
  if ('problem' in id) return { refused: 'invalid-metadata', problem: id.problem };
  if (!sameSecret(bearer.bearer, workerCredential(jobToken, id.workerId)))
    return { refused: 'unauthenticated', problem: `wrong credential for worker ${id.workerId}` };
  if (!isLive(id.workerId))
    return {
      refused: 'unauthenticated',
      problem: `worker ${id.workerId} has ended: its credential is no longer valid`,
    };
  return { workerId: id.workerId };
}
