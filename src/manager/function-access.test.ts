import { describe, expect, it } from 'vitest';
import { DEFAULT_DISPATCHERS } from '../protocol/function-access.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import { jobFunctionAccess } from './function-access.js';

const spec = (dispatch: object): ResolvedJobSpec => ({ dispatch }) as unknown as ResolvedJobSpec;

describe('jobFunctionAccess', () => {
  it('lets local functions read the input root, the model and the labels, and nothing else', () => {
    const access = jobFunctionAccess(
      spec({ type: 'static' }),
      { type: 'fs', root: '/data/set1' },
      { uri: '/home/u/.cache/obifaas/models/tiny.onnx', labelsUri: '/data/labels.txt' },
    );
    expect(access).toEqual({
      readRoots: ['/data/set1', '/home/u/.cache/obifaas/models/tiny.onnx', '/data/labels.txt'],
      buckets: [],
      s3: {},
      dispatchers: DEFAULT_DISPATCHERS,
      dispatcherTls: 'optional',
    });
  });

  it("lets them read the model's external data files, as the model's check found them", () => {
    const access = jobFunctionAccess(
      spec({ type: 'static' }),
      { type: 'fs', root: '/data/set1' },
      { uri: '/models/big.onnx' },
      ['/models/big.weights', '/models/more/extra.bin'],
    );
    expect(access.readRoots).toEqual([
      '/data/set1',
      '/models/big.onnx',
      '/models/big.weights',
      '/models/more/extra.bin',
    ]);
  });

  it("gives an S3 job its bucket and endpoint, and a dynamic job the dispatcher's advertised address", () => {
    const access = jobFunctionAccess(
      spec({ type: 'dynamic', advertiseHost: '10.0.3.7' }),
      { type: 's3', bucket: 'jobs', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true },
      { uri: 's3://models/m.onnx' },
    );
    expect(access.buckets).toEqual(['jobs', 'models']);
    expect(access.s3).toEqual({ endpoint: 'http://127.0.0.1:9000', forcePathStyle: true });
    expect(access.dispatchers).toEqual([...DEFAULT_DISPATCHERS, '10.0.3.7']);
    expect(
      jobFunctionAccess(
        spec({ type: 'dynamic', advertiseHost: '127.0.0.1' }),
        { type: 'fs', root: '/d' },
        { uri: '/m' },
      ).dispatchers,
    ).toEqual(DEFAULT_DISPATCHERS);
  });
});
