import { describe, expect, it } from 'vitest';
import { Random } from '../core/random.js';
import { EventHeap } from './event-heap.js';

describe('EventHeap', () => {
  it('pops in time order, ties in insertion order', () => {
    const heap = new EventHeap<string>();
    heap.push(5, 'e');
    heap.push(1, 'a');
    heap.push(3, 'c1');
    heap.push(3, 'c2');
    heap.push(0, 'z');
    heap.push(3, 'c3');
    const out: Array<[number, string]> = [];
    for (let item = heap.pop(); item !== undefined; item = heap.pop()) out.push([heap.lastTime, item]);
    expect(out).toEqual([
      [0, 'z'],
      [1, 'a'],
      [3, 'c1'],
      [3, 'c2'],
      [3, 'c3'],
      [5, 'e'],
    ]);
    expect(heap.peekTime()).toBe(Infinity);
  });

  it('agrees with a sort on many random events pushed while popping', () => {
    const rng = new Random(11);
    const heap = new EventHeap<number>();
    const expected: Array<[number, number]> = [];
    let id = 0;
    const got: Array<[number, number]> = [];
    for (let round = 0; round < 2000; round++) {
      const t = Math.floor(rng.next() * 50) + (got.at(-1)?.[0] ?? 0); // never in the past
      heap.push(t, id);
      expected.push([t, id++]);
      if (rng.next() < 0.4) {
        const item = heap.pop() as number;
        got.push([heap.lastTime, item]);
      }
    }
    while (heap.size > 0) {
      const item = heap.pop() as number;
      got.push([heap.lastTime, item]);
    }
    for (let i = 1; i < got.length; i++) expect(got[i]![0]).toBeGreaterThanOrEqual(got[i - 1]![0]);
    expect(got.map((g) => g[1]).sort((a, b) => a - b)).toEqual(expected.map((e) => e[1]));
    expect(() => heap.push(NaN, 1)).toThrow(RangeError);
  });
});
