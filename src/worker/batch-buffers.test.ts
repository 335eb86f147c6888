import { describe, expect, it } from 'vitest';
import { BufferRecycler } from './batch-buffers.js';

describe('BufferRecycler', () => {
  it('gives a new zeroed buffer when it holds none of that size', () => {
    const recycler = new BufferRecycler(4);
    const buffer = recycler.take(16);
    expect(buffer.byteLength).toBe(16);
    expect([...new Uint8Array(buffer)].every((b) => b === 0)).toBe(true);
  });

  it('hands a given buffer out again, by size only', () => {
    const recycler = new BufferRecycler(4);
    const small = new ArrayBuffer(8);
    const large = new ArrayBuffer(32);
    recycler.give(small);
    recycler.give(large);
    expect(recycler.spareCount).toBe(2);
    expect(recycler.take(32)).toBe(large);
    expect(recycler.take(32)).not.toBe(large);
    expect(recycler.take(8)).toBe(small);
    expect(recycler.spareCount).toBe(0);
  });

  it('keeps at most its limit, ignores a buffer given twice, and drops detached ones', () => {
    const recycler = new BufferRecycler(2);
    const a = new ArrayBuffer(8);
    recycler.give(a);
    recycler.give(a);
    expect(recycler.spareCount).toBe(1);
    recycler.give(new ArrayBuffer(8));
    recycler.give(new ArrayBuffer(8));
    expect(recycler.spareCount).toBe(2);
    const detached = new ArrayBuffer(8);
    structuredClone(detached, { transfer: [detached] });
    recycler.clear();
    recycler.give(detached);
    expect(recycler.spareCount).toBe(0);
  });
});
