import { describe, expect, it } from 'vitest';
import resnet50 from '../../spaces/resnet50.json' with { type: 'json' };
import { UserError } from '../errors.js';
import { enumerateSpace } from './space-points.js';
import { batchParameters, checkSpaceFitsImages, fitSpaceToImages, largestBatch } from './space-fit.js';
import { parseSpace } from './space.js';
import { WORKER_SPACE_PARAMETERS } from './worker-settings.js';

const defaultSpace = parseSpace(resnet50, { knownParameters: WORKER_SPACE_PARAMETERS });

function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('expected a UserError');
}

describe('fitting the default space to a dataset', () => {
  it('the shipped space needs 512 images', () => {
    expect(largestBatch(defaultSpace, 32)).toBe(512);
    expect(batchParameters(defaultSpace).map((b) => b.largest)).toEqual([64, 64, 128, 512]);
  });

  it('on 256 images, leaves out batch 512 only, and every point left fits', () => {
    const { space, removed } = fitSpaceToImages(defaultSpace, 256);
    expect(removed).toEqual([{ path: 'parameters.memory.branches.10240.batchSize', values: '512' }]);
    expect(largestBatch(space, 32)).toBe(256);
    const points = enumerateSpace(space, 1e6)!;
    expect(points.every((p) => (p.batchSize as number) <= 256)).toBe(true);
    // 10240 MB keeps 6 of its 7 batch sizes; the other branches are untouched.
    const before = enumerateSpace(defaultSpace, 1e6)!.length;
    expect(before - points.length).toBe(12 ** 3);
    expect(fitSpaceToImages(defaultSpace, 512).removed).toEqual([]);
  });

  it('clamps an int batch size, and refuses one with no value left', () => {
    const space = parseSpace({ parameters: { batchSize: { type: 'int', min: 4, max: 100 } } });
    const fitted = fitSpaceToImages(space, 40);
    expect(fitted.space.parameters.batchSize).toEqual({ type: 'int', min: 4, max: 40 });
    expect(fitted.removed[0]!.values).toBe('41..100');
    expect(thrown(() => fitSpaceToImages(space, 3))).toMatch(
      /parameters\.batchSize: every batch size is above the 3 images of --input/,
    );
  });
});

describe('a space of your own that does not fit', () => {
  it('is refused with one message that names the parameters and shows a space that fits', () => {
    const message = thrown(() => checkSpaceFitsImages(defaultSpace, 100, 'data/manifest.txt'));
    expect(message).toMatch(
      /^the space proposes batch sizes up to 512 \(parameters\.memory\.branches\.7076\.batchSize, parameters\.memory\.branches\.10240\.batchSize\) but --input 'data\/manifest\.txt' has 100 images/,
    );
    expect(message).toMatch(/give at least 512 images, or write a space whose batch sizes are at most 100/);
    expect(message).toMatch(/docs\/optimize\.md/);
    expect(message.split('\n')).toHaveLength(1);
    const example = JSON.parse(/for example (\{.*\}) \(see/.exec(message)![1]!) as unknown;
    const space = parseSpace(example, { knownParameters: WORKER_SPACE_PARAMETERS });
    expect(largestBatch(space, 1)).toBeLessThanOrEqual(100);
    expect(() => checkSpaceFitsImages(space, 100, 'x')).not.toThrow();
  });

  it('accepts a space that fits', () => {
    expect(() => checkSpaceFitsImages(defaultSpace, 512, 'x')).not.toThrow();
  });
});
