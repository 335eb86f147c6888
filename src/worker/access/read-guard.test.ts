import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessError } from '../../errors.js';
import { noAccess } from '../../protocol/function-access.js';
import { ReadGuard } from './read-guard.js';

let dir: string;
let guard: ReadGuard;

async function refusal(promise: Promise<unknown>): Promise<AccessError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AccessError);
  return err as AccessError;
}

beforeAll(async () => {
  dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-guard-')));
  await fs.mkdir(path.join(dir, 'data', 'sub'), { recursive: true });
  await fs.writeFile(path.join(dir, 'model.onnx'), 'm');
  await fs.writeFile(path.join(dir, 'canary.txt'), 'secret');
  await fs.symlink(path.join(dir, 'canary.txt'), path.join(dir, 'data', 'link.txt'));
  await fs.symlink(path.join(dir, 'data'), path.join(dir, 'alias'));
  guard = new ReadGuard({
    ...noAccess(),
    readRoots: [path.join(dir, 'data'), path.join(dir, 'model.onnx'), path.join(dir, 'alias')],
    buckets: ['allowed-bucket'],
    s3: { endpoint: 'http://127.0.0.1:9000' },
  });
});

afterAll(() => fs.rm(dir, { recursive: true, force: true }));

describe('ReadGuard', () => {
  it('lets a function read its roots and what lies under them', async () => {
    expect(await guard.readablePath(path.join(dir, 'data', 'sub'), 'storage.root')).toBe(
      path.join(dir, 'data', 'sub'),
    );
    expect(await guard.readablePath(`file://${dir}/model.onnx`, 'model.uri')).toBe(
      path.join(dir, 'model.onnx'),
    );
    expect(await guard.readablePath(path.join(dir, 'alias', 'sub'), 'storage.root')).toBe(
      path.join(dir, 'data', 'sub'),
    );
    expect(await guard.readablePath(path.join(dir, 'data', 'missing.txt'), 'model.labelsUri')).toBe(
      path.join(dir, 'data', 'missing.txt'),
    );
  });

  it('refuses a path outside the roots with the same words whether or not it exists', async () => {
    const a = await refusal(guard.readablePath('/proc/self/environ', 'model.labelsUri'));
    const b = await refusal(guard.readablePath('/proc/self/no-such-file', 'model.labelsUri'));
    expect(a.field).toBe('model.labelsUri');
    expect(a.message.replace('environ', 'X')).toBe(b.message.replace('no-such-file', 'X'));
    // It says how a deployment lets a function read more.
    expect(a.message).toMatch(
      /\(OBIFAAS_FUNCTION_READ; the --allow-read flag of serve-function and deploy\)$/,
    );
    await refusal(guard.readablePath(path.join(dir, 'data', '..', 'canary.txt'), 'model.uri'));
    await refusal(guard.readablePath('file:///etc/passwd', 'model.uri'));
    await refusal(guard.readablePath(`${path.join(dir, 'model.onnx')}.bak`, 'model.uri'));
  });

  it('refuses a symbolic link out of the roots', async () => {
    const err = await refusal(guard.readablePath(path.join(dir, 'data', 'link.txt'), 'model.labelsUri'));
    expect(err.message).not.toContain('secret');
  });

  it('refuses the filesystem root as a store, and checks buckets and the S3 endpoint', async () => {
    expect((await refusal(guard.storage({ type: 'fs', root: '/' }))).field).toBe('storage.root');
    const bucket = await refusal(guard.storage({ type: 's3', bucket: 'other' }));
    expect(bucket.field).toBe('storage.bucket');
    expect(bucket.message).toMatch(
      /\(OBIFAAS_FUNCTION_BUCKETS; the --allow-buckets flag of serve-function and deploy\)$/,
    );
    const endpoint = await refusal(
      guard.storage({ type: 's3', bucket: 'allowed-bucket', endpoint: 'http://evil.example:9000' }),
    );
    expect(endpoint.field).toBe('storage.endpoint');
    expect(endpoint.message).toMatch(
      /\(OBIFAAS_FUNCTION_S3_ENDPOINT; the --storage-endpoint flag of serve-function and deploy\)$/,
    );
    expect(
      await guard.storage({
        type: 's3',
        bucket: 'allowed-bucket',
        endpoint: 'http://127.0.0.1:9000/',
        prefix: 'p',
      }),
    ).toEqual({
      type: 's3',
      bucket: 'allowed-bucket',
      prefix: 'p',
      endpoint: 'http://127.0.0.1:9000',
    });
    expect(await guard.storage({ type: 's3', bucket: 'allowed-bucket', region: 'eu-west-1' })).toMatchObject({
      endpoint: 'http://127.0.0.1:9000',
      region: 'eu-west-1',
    });
    expect(
      (await refusal(guard.storage({ type: 's3', bucket: 'allowed-bucket', region: 'x.evil.com/' }))).field,
    ).toBe('storage.region');
  });
});
