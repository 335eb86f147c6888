/**
 * Turns a location the user typed (`s3://bucket/key`, `file:///path`, or a local path) into a
 * storage reference plus a key in that storage.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';
import { splitS3Uri, type StorageRef } from '../core/storage-ref.js';
import { redactUrl } from '../util/secret.js';

/** A parsed location: which store, and which key (or key prefix) in it. */
export interface StorageLocation {
  ref: StorageRef;
  /**
   * For S3, everything after the bucket (may be `''` or end with `/` for a "folder"). For a local
   * path, the last path segment (`''` for the filesystem root), with `ref.root` its folder.
   */
  key: string;
}

/** Connection settings applied to an `s3://` location (from flags, config or environment). */
export interface S3LocationOptions {
  region?: string;
  endpoint?: string;
  forcePathStyle?: boolean;
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

/** True when `location` names an S3 object or prefix. */
export function isS3Location(location: string): boolean {
  return /^s3:\/\//i.test(location.trim());
}

/** Parses a user location; throws `UserError` with a clear message when it cannot be used. */
export function parseLocation(location: string, s3Options: S3LocationOptions = {}): StorageLocation {
  const text = location.trim();
  if (text === '') throw new UserError('empty location: give a local path or s3://bucket/key');
  const scheme = SCHEME.exec(text)?.[1]?.toLowerCase();
  if (scheme === 's3') return parseS3(text, s3Options);
  if (scheme === 'file') return localLocation(fileURLToPath(text));
  if (scheme !== undefined) {
    throw new UserError(`unsupported location '${redactUrl(text)}': use a local path or s3://bucket/key`);
  }
  return localLocation(text);
}

function parseS3(text: string, options: S3LocationOptions): StorageLocation {
  const parts = splitS3Uri(text);
  if ('error' in parts) throw new UserError(parts.error);
  const { bucket, key } = parts;
  const ref: StorageRef = { type: 's3', bucket };
  if (options.region !== undefined) ref.region = options.region;
  if (options.endpoint !== undefined) ref.endpoint = options.endpoint;
  if (options.forcePathStyle !== undefined) ref.forcePathStyle = options.forcePathStyle;
  return { ref, key };
}

function localLocation(file: string): StorageLocation {
  const absolute = path.resolve(file);
  return { ref: { type: 'fs', root: path.dirname(absolute) }, key: path.basename(absolute) };
}

/** A location for messages: `s3://bucket/key` or the local path. */
export function describeLocation(location: StorageLocation): string {
  if (location.ref.type === 's3') return `s3://${location.ref.bucket}/${location.key}`;
  return path.join(location.ref.root, location.key);
}
