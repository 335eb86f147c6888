import { describe, expect, it } from 'vitest';
import {
  accessFromEnv,
  accessToEnv,
  DEFAULT_DISPATCHERS,
  FUNCTION_ACCESS_ENV,
  mergeAccess,
  noAccess,
  sameAccess,
} from './function-access.js';

describe('function access', () => {
  it('allows nothing but loopback dispatchers when the deployment says nothing', () => {
    expect(accessFromEnv({})).toEqual(noAccess());
    expect(noAccess().dispatchers).toEqual(DEFAULT_DISPATCHERS);
  });

  it('reads every setting from the environment, and writes it back', () => {
    const env = {
      [FUNCTION_ACCESS_ENV.readRoots]: '/data:/models/m.onnx',
      [FUNCTION_ACCESS_ENV.buckets]: 'my-data, my-models',
      [FUNCTION_ACCESS_ENV.dispatchers]: '10.0.0.0/16,manager.internal,fd00::/8',
      [FUNCTION_ACCESS_ENV.s3Endpoint]: 'http://127.0.0.1:9000/',
      [FUNCTION_ACCESS_ENV.s3Region]: 'eu-west-1',
      [FUNCTION_ACCESS_ENV.s3ForcePathStyle]: 'true',
      [FUNCTION_ACCESS_ENV.dispatcherTls]: 'required',
    };
    const access = accessFromEnv(env);
    expect(access).toEqual({
      readRoots: ['/data', '/models/m.onnx'],
      buckets: ['my-data', 'my-models'],
      dispatchers: ['10.0.0.0/16', 'manager.internal', 'fd00::/8'],
      s3: { endpoint: 'http://127.0.0.1:9000', region: 'eu-west-1', forcePathStyle: true },
      dispatcherTls: 'required',
    });
    expect(accessFromEnv(accessToEnv(access))).toEqual(access);
    const odd = { ...access, readRoots: ['/a:b', '/c,d'] };
    expect(accessFromEnv(accessToEnv(odd))).toEqual(odd);
  });

  it('requires dispatcher TLS only when told, refuses any other word, and keeps a requirement when merged', () => {
    expect(accessFromEnv({}).dispatcherTls).toBe('optional');
    expect(() => accessFromEnv({ [FUNCTION_ACCESS_ENV.dispatcherTls]: 'yes' })).toThrow(
      /OBIFAAS_FUNCTION_DISPATCHER_TLS: expected required or optional, got 'yes'/,
    );
    const required = { ...noAccess(), dispatcherTls: 'required' as const };
    expect(mergeAccess(required, noAccess()).dispatcherTls).toBe('required');
    expect(mergeAccess(noAccess(), required).dispatcherTls).toBe('required');
    expect(sameAccess(required, noAccess())).toBe(false);
  });

  it('an empty dispatcher list allows none; every variable is written so nothing is inherited', () => {
    expect(accessFromEnv({ [FUNCTION_ACCESS_ENV.dispatchers]: '' }).dispatchers).toEqual([]);
    expect(Object.keys(accessToEnv(noAccess())).sort()).toEqual(Object.values(FUNCTION_ACCESS_ENV).sort());
  });

  it('names every bad setting at once', () => {
    expect(() =>
      accessFromEnv({
        [FUNCTION_ACCESS_ENV.readRoots]: 'relative/path',
        [FUNCTION_ACCESS_ENV.buckets]: 'Bad_Bucket',
        [FUNCTION_ACCESS_ENV.dispatchers]: '10.0.0.0/99',
        [FUNCTION_ACCESS_ENV.s3Endpoint]: 'http://user:pw@s3.local',
        [FUNCTION_ACCESS_ENV.s3Region]: 'x y',
      }),
    ).toThrow(
      /OBIFAAS_FUNCTION_READ: 'relative\/path' is not an absolute path; OBIFAAS_FUNCTION_BUCKETS: .*OBIFAAS_FUNCTION_DISPATCHERS: .*OBIFAAS_FUNCTION_S3_ENDPOINT: an S3 endpoint URL must not hold credentials; OBIFAAS_FUNCTION_S3_REGION/,
    );
  });

  it('merges into the union, and tells equal settings apart from new ones', () => {
    const a = { ...noAccess(), readRoots: ['/a'], buckets: ['b1'] };
    const b = { ...noAccess(), readRoots: ['/b', '/a'], s3: { endpoint: 'http://x:1' } };
    const merged = mergeAccess(a, b);
    expect(merged.readRoots).toEqual(['/a', '/b']);
    expect(merged.s3.endpoint).toBe('http://x:1');
    expect(sameAccess(merged, mergeAccess(merged, a))).toBe(true);
    expect(sameAccess(a, merged)).toBe(false);
  });
});
