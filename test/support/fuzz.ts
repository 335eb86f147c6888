/**
 * Seeded fuzzing of hand-written parsers: mutants of valid samples (bit flips, bytes set to
 * edge values, truncation, inserted, deleted and duplicated runs, huge lengths, over-long
 * varints, splices of two samples) and random bytes. Case `index` of seed `seed` is the same
 * bytes on every machine and run ({@link mutantAt}), so a failing case found by a loop can be
 * kept as a test of its own.
 */
import { Random } from '../../src/core/random.js';

/** One generated input and how to make it again. */
export interface FuzzCase {
  label: string;
  bytes: Uint8Array;
}

/** Bytes that make lengths, counts and offsets huge or negative where a parser reads them. */
const EDGE_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];

/** An over-long or overflowing varint: ten bytes with the continuation bit, or 2^64 - 1. */
const HUGE_VARINTS = [
  Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
  Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
  Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f),
  Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00),
];

function splice(bytes: Uint8Array, at: number, count: number, insert: Uint8Array): Uint8Array {
  const remove = Math.min(count, bytes.length - at);
  const out = new Uint8Array(bytes.length - remove + insert.length);
  out.set(bytes.subarray(0, at));
  out.set(insert, at);
  out.set(bytes.subarray(at + remove), at + insert.length);
  return out;
}

/** `count` random bytes. */
export function randomBytes(random: Random, count: number): Uint8Array {
  return Uint8Array.from({ length: count }, () => random.nextUint32() & 0xff);
}

/** One mutation of `bytes` (`other` is a second sample to splice from). */
function mutate(random: Random, bytes: Uint8Array, other: Uint8Array): Uint8Array {
  const n = bytes.length;
  const at = random.int(0, n);
  const run = Math.min(n - at, random.int(1, 16));
  switch (random.int(0, 9)) {
    case 0: {
      if (n === 0) return bytes;
      const out = Uint8Array.from(bytes);
      const i = Math.min(at, n - 1);
      out[i] = (out[i] as number) ^ (1 << random.int(0, 7));
      return out;
    }
    case 1: {
      if (n === 0) return bytes;
      const out = Uint8Array.from(bytes);
      out[Math.min(at, n - 1)] = EDGE_BYTES[random.int(0, EDGE_BYTES.length - 1)] as number;
      return out;
    }
    case 2: // a 16- or 32-bit field made huge or zero
      return splice(
        bytes,
        at,
        Math.min(run, 4),
        new Uint8Array(random.int(2, 4)).fill(random.int(0, 1) * 0xff),
      );
    case 3:
      return bytes.subarray(0, random.int(0, n));
    case 4:
      return splice(bytes, at, 0, randomBytes(random, random.int(1, 16)));
    case 5:
      return splice(bytes, at, run, new Uint8Array(0));
    case 6: // a run repeated in place
      return splice(bytes, at, 0, bytes.slice(at, at + run * random.int(1, 4)));
    case 7:
      return splice(
        bytes,
        at,
        random.int(0, 1),
        HUGE_VARINTS[random.int(0, HUGE_VARINTS.length - 1)] as Uint8Array,
      );
    case 8: {
      const from = random.int(0, other.length);
      return splice(
        bytes,
        at,
        random.int(0, n - at),
        other.subarray(from, from + random.int(0, other.length - from)),
      );
    }
    default:
      return splice(bytes, at, 0, bytes.slice(0, Math.min(n, 64)));
  }
}

function caseSeed(seed: number, index: number): number {
  return (Math.imul(seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
}

/**
 * Case `index` of `seed` over `samples`: one to four mutations of one sample, or (one case in
 * eight) random bytes up to `maxRandomBytes` long.
 */
export function mutantAt(
  samples: readonly Uint8Array[],
  seed: number,
  index: number,
  maxRandomBytes = 256,
): FuzzCase {
  const random = new Random(caseSeed(seed, index));
  const label = `seed ${seed} case ${index}`;
  if (random.int(0, 7) === 0) return { label, bytes: randomBytes(random, random.int(0, maxRandomBytes)) };
  const pick = (): Uint8Array => samples[random.int(0, samples.length - 1)] as Uint8Array;
  let bytes = pick();
  const other = pick();
  for (let k = random.int(1, 4); k > 0; k--) bytes = mutate(random, bytes, other);
  return { label, bytes };
}

/** Cases `0 .. count - 1` of `seed` (see {@link mutantAt}). */
export function* mutants(
  samples: readonly Uint8Array[],
  seed: number,
  count: number,
  maxRandomBytes?: number,
): Generator<FuzzCase> {
  for (let index = 0; index < count; index++) yield mutantAt(samples, seed, index, maxRandomBytes);
}

/** Every proper prefix of `bytes` (a cut at every length), with its label. */
export function* truncations(bytes: Uint8Array, label = 'sample'): Generator<FuzzCase> {
  for (let length = 0; length < bytes.length; length++)
    yield { label: `${label} cut at ${length}`, bytes: bytes.subarray(0, length) };
}

/** The largest case {@link fuzz} runs: every parser call gets a bounded input. */
export const MAX_CASE_BYTES = 64 * 1024;

/**
 * Runs `check` on every case, one after the other; the first that throws fails with its label
 * (so it can be made again with {@link mutantAt}). Returns how many cases ran.
 */
export async function fuzz(
  cases: Iterable<FuzzCase>,
  check: (bytes: Uint8Array) => void | Promise<void>,
): Promise<number> {
  let count = 0;
  for (const c of cases) {
    count++;
    if (c.bytes.length > MAX_CASE_BYTES)
      throw new Error(`${c.label}: ${c.bytes.length} bytes, over ${MAX_CASE_BYTES}`);
    try {
      await check(c.bytes);
    } catch (err) {
      const hex = Buffer.from(c.bytes.subarray(0, 64)).toString('hex');
      throw new Error(
        `${c.label} (${c.bytes.length} bytes, starting ${hex}): ${(err as Error).stack ?? String(err)}`,
        {
          cause: err,
        },
      );
    }
  }
  return count;
}

/**
 * What a parser call gave: its value, or the error it threw, which must be one of `allowed`
 * (the parser's own typed errors); any other error is thrown again.
 */
export function outcome<T>(
  call: () => T,
  allowed: ReadonlyArray<abstract new (...args: never[]) => Error>,
): { value: T } | { error: Error } {
  try {
    return { value: call() };
  } catch (err) {
    if (allowed.some((type) => err instanceof type)) return { error: err as Error };
    throw err;
  }
}

/** {@link outcome} of an async call. */
export async function outcomeOf<T>(
  call: () => Promise<T>,
  allowed: ReadonlyArray<abstract new (...args: never[]) => Error>,
): Promise<{ value: T } | { error: Error }> {
  try {
    return { value: await call() };
  } catch (err) {
    if (allowed.some((type) => err instanceof type)) return { error: err as Error };
    throw err;
  }
}
