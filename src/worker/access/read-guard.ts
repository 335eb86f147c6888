/**
 * Checks what a payload asks a function to read against its deployment's access: local paths
 * must lie under a readable root once every symbolic link is resolved, S3 buckets must be
 * allowed, and the S3 connection is the deployment's. A refusal is an {@link AccessError}
 * naming the payload field; it is decided on the path as written before any file is looked
 * at, so a refused path says nothing about whether a file exists there.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AccessError } from '../../errors.js';
import type { StorageRef } from '../../core/storage-ref.js';
import {
  ANY_BUCKET,
  FUNCTION_ACCESS_ENV,
  regionNameProblem,
  normalEndpoint,
  type FunctionAccess,
} from '../../protocol/function-access.js';
import type { S3LocationOptions } from '../../storage/uri.js';
import { isInsideFolder } from '../../util/paths.js';

type S3Ref = Extract<StorageRef, { type: 's3' }>;

interface Roots {
  /** The roots as written, and with their links resolved. */
  written: string[];
  real: string[];
}

/** The checks of one deployment's access (the roots' real paths are resolved once). */
export class ReadGuard {
  private roots: Promise<Roots> | undefined;

  constructor(readonly access: FunctionAccess) {}

  private resolvedRoots(): Promise<Roots> {
    this.roots ??= (async () => {
      const written = this.access.readRoots.map((r) => path.resolve(r));
      const real = await Promise.all(written.map((r) => fs.realpath(r).catch(() => r)));
      return { written, real };
    })();
    return this.roots;
  }

  /**
   * The real path of the local file or folder `location` names (a path or a `file://` URL), if
   * the deployment lets the function read it; throws {@link AccessError} naming `field`.
   */
  async readablePath(location: string, field: string): Promise<string> {
    let given = location;
    if (/^file:/i.test(location)) {
      try {
        given = fileURLToPath(location);
      } catch {
        throw new AccessError(field, `'${location}' is not a file URL this function can read`);
      }
    }
    const lexical = path.resolve(given);
    const roots = await this.resolvedRoots();
    const refused = (): AccessError =>
      new AccessError(
        field,
        `'${location}' is outside the paths this function's deployment lets it read (${FUNCTION_ACCESS_ENV.readRoots}; the --allow-read flag of serve-function and deploy)`,
      );
    if (![...roots.written, ...roots.real].some((root) => isInsideFolder(lexical, root))) throw refused();
    let real: string;
    try {
      real = await fs.realpath(lexical);
    } catch {
      return lexical; // nothing there (yet): opening it says so
    }
    if (!roots.real.some((root) => isInsideFolder(real, root))) throw refused();
    return real;
  }

  /** Throws {@link AccessError} naming `field` unless the deployment lets the function read `bucket`. */
  checkBucket(bucket: string, field: string): void {
    const { buckets } = this.access;
    if (buckets.includes(ANY_BUCKET) || buckets.includes(bucket)) return;
    throw new AccessError(
      field,
      `bucket '${bucket}' is not one this function's deployment lets it read (${FUNCTION_ACCESS_ENV.buckets}; the --allow-buckets flag of serve-function and deploy)`,
    );
  }

  /**
   * The S3 connection for a payload's S3 storage: the deployment's endpoint (a payload may only
   * repeat it), a region of the payload's when it has the form of one, else the deployment's.
   */
  s3Connection(
    ref: { endpoint?: string; region?: string; forcePathStyle?: boolean },
    field: string,
  ): S3LocationOptions {
    const own = this.access.s3;
    if (ref.endpoint !== undefined && normalEndpoint(ref.endpoint) !== (own.endpoint ?? undefined)) {
      throw new AccessError(
        `${field}.endpoint`,
        `'${ref.endpoint}' is not this function's S3 endpoint: S3 endpoints come from its deployment (${FUNCTION_ACCESS_ENV.s3Endpoint}; the --storage-endpoint flag of serve-function and deploy)`,
      );
    }
    const regionProblem = ref.region !== undefined ? regionNameProblem(ref.region) : undefined;
    if (regionProblem) throw new AccessError(`${field}.region`, regionProblem);
    const region = ref.region ?? own.region;
    const forcePathStyle = ref.forcePathStyle ?? own.forcePathStyle;
    return {
      ...(own.endpoint !== undefined ? { endpoint: own.endpoint } : {}),
      ...(region !== undefined ? { region } : {}),
      ...(forcePathStyle !== undefined ? { forcePathStyle } : {}),
    };
  }

  /** The store a payload may open: its fs root resolved and inside the roots, or its S3 bucket allowed. */
  async storage(ref: StorageRef, field = 'storage'): Promise<StorageRef> {
    if (ref.type === 'fs') return { type: 'fs', root: await this.readablePath(ref.root, `${field}.root`) };
    this.checkBucket(ref.bucket, `${field}.bucket`);
    const checked: S3Ref = { type: 's3', bucket: ref.bucket, ...this.s3Connection(ref, field) };
    if (ref.prefix !== undefined) checked.prefix = ref.prefix;
    return checked;
  }
}
