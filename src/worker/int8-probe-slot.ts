/**
 * The int8 saturation probe's answer, shared by every inference thread of a function process, so
 * that the probe runs once per process however many replicas load an int8 model. The pool owns
 * one slot (a `SharedArrayBuffer`) and gives it to each thread it starts; the first thread that
 * needs the answer measures it, the others wait for that answer. A thread that exits while
 * measuring gives the turn back, so a waiting thread measures instead of waiting for ever.
 *
 * This module imports nothing: inference threads load it at start-up, the probe itself (ONNX
 * Runtime and protobufjs) only for a model that needs it.
 */

// Cell STATE: 0 no answer yet; a thread id (> 0) that thread is measuring; EXACT or SATURATES.
const STATE = 0;
const RUNS = 1;

const UNKNOWN = 0;
const EXACT = -1;
const SATURATES = -2;

/** Where a process's threads share the probe's answer: the state, and the times it was measured. */
export type Int8ProbeSlot = SharedArrayBuffer;

/** A new, empty slot: no answer yet, never measured. */
export function newInt8ProbeSlot(): Int8ProbeSlot {
  return new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
}

/** How many times the probe has been measured by the threads sharing `slot`. */
export function int8ProbeRunsIn(slot: Int8ProbeSlot): number {
  return Atomics.load(new Int32Array(slot), RUNS);
}

/**
 * The answer in `slot`: measured with `measure` by this thread (`threadId`, > 0) when no thread
 * has measured it yet, else waited for or read.
 */
export async function sharedInt8Answer(
  slot: Int8ProbeSlot,
  threadId: number,
  measure: () => Promise<boolean>,
): Promise<boolean> {
  const cells = new Int32Array(slot);
  for (;;) {
    const state = Atomics.compareExchange(cells, STATE, UNKNOWN, threadId);
    if (state === EXACT || state === SATURATES) return state === SATURATES;
    if (state !== UNKNOWN) {
      // Another thread is measuring: wait until the state changes (an answer, or given back).
      await changeOf(cells, state);
      continue;
    }
    let saturates: boolean;
    try {
      saturates = await measure();
    } catch (err) {
      releaseInt8Probe(slot, threadId);
      throw err;
    }
    Atomics.add(cells, RUNS, 1);
    Atomics.store(cells, STATE, saturates ? SATURATES : EXACT);
    Atomics.notify(cells, STATE);
    return saturates;
  }
}

/**
 * Resolves once `cells[STATE]` is no longer `state`. A pending `waitAsync` does not keep a
 * thread's event loop alive (the thread would end with its load unfinished), so a timer does.
 */
async function changeOf(cells: Int32Array, state: number): Promise<void> {
  const wait = Atomics.waitAsync(cells, STATE, state);
  if (!wait.async) return;
  const keepAlive = setInterval(() => undefined, 60_000);
  try {
    await wait.value;
  } finally {
    clearInterval(keepAlive);
  }
}

/** Called when thread `threadId` exits: if it was measuring, another thread may measure now. */
export function releaseInt8Probe(slot: Int8ProbeSlot, threadId: number): void {
  const cells = new Int32Array(slot);
  if (Atomics.compareExchange(cells, STATE, threadId, UNKNOWN) === threadId) Atomics.notify(cells, STATE);
}

let threadSlot: { slot: Int8ProbeSlot; threadId: number } | undefined;

/** Makes this thread (`threadId`) share the probe's answer through `slot` (an inference thread, at start-up). */
export function useInt8ProbeSlot(slot: Int8ProbeSlot, threadId: number): void {
  threadSlot = { slot, threadId };
}

/** The slot this thread shares, if it was given one. */
export function currentInt8ProbeSlot(): { slot: Int8ProbeSlot; threadId: number } | undefined {
  return threadSlot;
}
