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
