/**
 * Where a store lives (pure data): `storage/` opens it, and it travels in worker payloads, so it
 * is serialisable.
 */
export type StorageRef =
  | { type: 'fs'; root: string }
  | {
      type: 's3';
      bucket: string;
      prefix?: string;
      region?: string;
      endpoint?: string;
      forcePathStyle?: boolean;
    };

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * The bucket and key of an `s3://bucket/key` URI (the scheme in any case; the key may be `''`
 * or end with `/`), or why it names no valid bucket. The one place the bucket name rule lives.
 */
export function splitS3Uri(uri: string): { bucket: string; key: string } | { error: string } {
  const text = uri.trim();
  if (!/^s3:\/\//i.test(text)) return { error: `'${text}' is not an s3:// location` };
  const rest = text.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const key = slash < 0 ? '' : rest.slice(slash + 1);
  if (bucket === '') return { error: `location '${text}' names no bucket: write it as s3://bucket/key` };
  const at = bucket.lastIndexOf('@');
  if (at >= 0) {
    // Credentials before the bucket: never echoed, not even in part.
    const masked = `s3://***@${bucket.slice(at + 1)}${slash < 0 ? '' : rest.slice(slash)}`;
    return {
      error:
        `location '${masked}' holds credentials: an s3:// location is s3://BUCKET/KEY, and credentials ` +
        'come from the AWS SDK (AWS_ACCESS_KEY_ID, AWS_PROFILE, a role)',
    };
  }
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) {
    return {
      error:
        `location '${text}': '${bucket}' is not a valid S3 bucket name ` +
        '(3-63 characters: lowercase letters, digits, dots and hyphens)',
    };
  }
  return { bucket, key };
}
