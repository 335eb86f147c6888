/**
 * How the dispatch core's decisions reach its drivers (pure): listeners hear each decision, in
 * order, once the event that took it (and any event a listener feeds back) is applied; observers
 * hear each event as it comes in.
 */
import type { DispatchDecision, DispatchEvent } from './dispatch-types.js';

export class DecisionOutbox {
  private readonly listeners: Array<(decision: DispatchDecision) => void> = [];
  private readonly observers: Array<(event: DispatchEvent) => void> = [];
  private readonly outbox: DispatchDecision[] = [];
  /** Events being applied (a listener may feed the core another while it hears one). */
  private depth = 0;
  private flushing = false;

  /** Hears every decision, in order. */
  onDecision(listener: (decision: DispatchDecision) => void): void {
    this.listeners.push(listener);
  }

  /** Hears every event applied (to record a sequence and replay it through another driver). */
  onEvent(observer: (event: DispatchEvent) => void): void {
    this.observers.push(observer);
  }

  protected get observed(): boolean {
    return this.observers.length > 0;
  }

  protected observe(event: DispatchEvent): void {
    for (const observer of this.observers) observer(event);
  }

  protected emit(decision: DispatchDecision): void {
    this.outbox.push(decision);
  }

  /**
   * Applies one event with `apply`; its decisions reach the listeners once the outermost event
   * is applied (after `apply` returns or throws).
   */
  protected applying<T>(apply: () => T): T {
    this.depth++;
    try {
      return apply();
    } finally {
      this.depth--;
      if (this.depth === 0 && this.outbox.length > 0) this.flush();
    }
  }

  private flush(): void {
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (let i = 0; i < this.outbox.length; i++) {
        const decision = this.outbox[i] as DispatchDecision;
        for (const listener of this.listeners) listener(decision);
      }
    } finally {
      this.outbox.length = 0;
      this.flushing = false;
    }
  }
}
