/**
 * A soft cap on bytes held between pipeline stages. `whenBelowLimit()` waits while the held
 * total is at or over the limit; one item may take it over (its size is known only once read).
 */
export class ByteBudget {
  private held = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly limitBytes: number) {
    if (!(limitBytes > 0)) throw new RangeError(`limitBytes must be > 0, got ${limitBytes}`);
  }

  async whenBelowLimit(): Promise<void> {
    while (this.held >= this.limitBytes) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  take(bytes: number): void {
    this.held += bytes;
  }

  give(bytes: number): void {
    this.held = Math.max(0, this.held - bytes);
    if (this.held < this.limitBytes) for (const wake of this.waiters.splice(0)) wake();
  }

  get heldBytes(): number {
    return this.held;
  }
}
