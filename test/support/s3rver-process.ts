/**
 * Child-process entry that runs an s3rver (an S3-protocol server) on 127.0.0.1 for tests.
 * Arguments: `<data directory> [bucket ...]`. Listens on an ephemeral port, creates the named
 * buckets, then prints one JSON line `{"port": N}` on stdout. Stops on SIGTERM or when its
 * parent goes away (stdin closes).
 *
 * Two adjustments make s3rver 3.7 behave like S3 for our tests:
 * - it encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only offers with
 *   Node's `--openssl-legacy-provider` flag (the harness starts this process with it);
 * - it lists keys in the order of a directory walk, where `b/1.jpg` comes before `b-c.txt`,
 *   while S3 lists in UTF-8 byte order (and pages by "keys after the last one"). The listing is
 *   wrapped below to sort before it pages.
 */
import { createRequire } from 'node:module';

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;

const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as S3rverClass;

interface S3rverObject {
  key: string;
}
interface ListResult {
  objects: S3rverObject[];
  commonPrefixes: string[];
  isTruncated: boolean;
}
interface ListOptions {
  startAfter?: string;
  maxKeys?: number;
  [option: string]: unknown;
}
type ListObjects = (this: unknown, bucket: string, options: ListOptions) => Promise<ListResult>;

const FilesystemStore = require('s3rver/lib/stores/filesystem.js') as {
  prototype: { listObjects: ListObjects };
};
const walkOrderListObjects = FilesystemStore.prototype.listObjects;
FilesystemStore.prototype.listObjects = async function listInByteOrder(bucket, options) {
  const { startAfter = '', maxKeys = Infinity } = options;
  const all = await walkOrderListObjects.call(this, bucket, {
    ...options,
    startAfter: '',
    maxKeys: Infinity,
  });
  const after = Buffer.from(startAfter, 'utf8');
  const objects = all.objects
    .map((object) => ({ object, bytes: Buffer.from(object.key, 'utf8') }))
    .filter(({ bytes }) => Buffer.compare(bytes, after) > 0)
    .sort((a, b) => Buffer.compare(a.bytes, b.bytes))
    .map(({ object }) => object);
  return { ...all, objects: objects.slice(0, maxKeys), isTruncated: objects.length > maxKeys };
};

const [directory, ...buckets] = process.argv.slice(2);
if (!directory) {
  process.stderr.write('usage: s3rver-process <directory> [bucket ...]\n');
  process.exit(2);
}

const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  vhostBuckets: false,
  configureBuckets: buckets.map((name) => ({ name, configs: [] })),
});

const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await server.close().catch(() => undefined);
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
process.stdin.on('close', () => void stop());
process.stdin.resume();
