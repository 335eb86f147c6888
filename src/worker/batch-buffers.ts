/**
 * Memory for input batches, used again from batch to batch. A batch of 32 float32 images of
 * 224 x 224 is 19 MB: allocated afresh for every batch, the kernel maps and zeroes its pages
 * again while the tensor is written, which costs several times the writing itself. So the
 * inference threads hand each batch's buffer back after the run (transferred, not copied), and
 * the next batch of the same size takes it.
 */

/** Spare buffers of one byte length, waiting to be taken. */
type Spares = ArrayBuffer[];

/** A free list of buffers by byte length, holding at most `maxSpares` at a time. */
export class BufferRecycler {
  private readonly spares = new Map<number, Spares>();
  private count = 0;

  constructor(private readonly maxSpares: number) {}

  /**
   * A buffer of `byteLength` bytes: a spare one (holding whatever its last batch wrote) or a new,
   * zeroed one.
   */
  take(byteLength: number): ArrayBuffer {
    const spare = this.spares.get(byteLength)?.pop();
    if (!spare) return new ArrayBuffer(byteLength);
    this.count--;
    return spare;
  }

  /** Keeps `buffer` for a later {@link take}, unless enough are kept already or it is detached. */
  give(buffer: ArrayBuffer): void {
    if (buffer.byteLength === 0 || this.count >= this.maxSpares) return;
    const list = this.spares.get(buffer.byteLength) ?? [];
    if (list.includes(buffer)) return;
    list.push(buffer);
    this.spares.set(buffer.byteLength, list);
    this.count++;
  }

  /** Spare buffers held now. */
  get spareCount(): number {
    return this.count;
  }

  /** Drops every spare buffer. */
  clear(): void {
    this.spares.clear();
    this.count = 0;
  }
}

/**
 * The process's batch buffers: the pipeline takes from it, the inference pool gives back. Two
 * batches are in flight at a time, plus the slices of a batch cut between replicas.
 */
export const batchBuffers = new BufferRecycler(8);
