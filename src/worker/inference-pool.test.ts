import { describe, expect, it } from 'vitest';
import { sliceCounts } from './inference-pool.js';

describe('sliceCounts', () => {
  it('cuts a batch into near-equal contiguous slices, one per replica, none empty', () => {
    expect(sliceCounts(32, 1)).toEqual([32]);
    expect(sliceCounts(32, 4)).toEqual([8, 8, 8, 8]);
    expect(sliceCounts(10, 4)).toEqual([3, 3, 2, 2]);
    expect(sliceCounts(2, 4)).toEqual([1, 1]);
    expect(sliceCounts(1, 3)).toEqual([1]);
  });
});
