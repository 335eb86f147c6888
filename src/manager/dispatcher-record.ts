/** What `job.json` keeps of a dynamic job's split dispatcher: where it listened, counters, events. */
import type { DynamicInvocationReason, WorkerLostEvent } from '../core/dispatch-types.js';
import type { CopyDecision } from '../core/speculation.js';
import type { DispatcherCounters } from '../rpc/dispatcher-options.js';

/** The split dispatcher's TLS, as `job.json` keeps it. */
export type DispatcherTlsRecord =
  { enabled: false } | { enabled: true; source: 'self-signed' | 'files'; sha256: string };

/** A dynamic job's split dispatcher, as `job.json` keeps it (`dispatcher`). */
export interface DispatcherRecord {
  /** Interface bound, the host workers were told, and the port. Never the job token. */
  host: string;
  advertiseHost: string;
  port: number;
  /**
   * Whether the dispatcher spoke TLS, with a certificate made for the job or the user's, and
   * that certificate's SHA-256 (lowercase hex). Never its key. Absent in records of earlier versions.
   */
  tls?: DispatcherTlsRecord;
  /** Calls refused (no or wrong token, bad metadata, malformed messages) and streams opened. */
  counters: DispatcherCounters;
  /** Workers given up (failed invocation, closed stream, missed heartbeats), in order. */
  workersLost: Array<WorkerLostEvent & { at: number }>;
  /** Speculative copies queued, in order. */
  copies: Array<CopyDecision & { at: number }>;
  /** Workers invoked, by reason. */
  invoked: Record<DynamicInvocationReason, number>;
  /** Why the job manager stopped invoking replacements, when it had to. */
  gaveUp?: string;
}

/** Collects the dispatcher's events as they happen. */
export class DispatcherLog {
  readonly workersLost: DispatcherRecord['workersLost'] = [];
  readonly copies: DispatcherRecord['copies'] = [];
  gaveUp: string | undefined;

  constructor(private readonly now: () => number) {}

  lost(event: WorkerLostEvent): void {
    this.workersLost.push({ ...event, at: this.now() });
  }

  copied(copy: CopyDecision): void {
    this.copies.push({ ...copy, at: this.now() });
  }

  record(
    address: { host: string; advertiseHost: string; port: number; tls: DispatcherTlsRecord },
    counters: DispatcherCounters,
    invoked: Record<DynamicInvocationReason, number>,
  ): DispatcherRecord {
    return {
      ...address,
      counters: { ...counters },
      workersLost: this.workersLost,
      copies: this.copies,
      invoked: {
        planned: invoked.planned,
        copy: invoked.copy,
        starved: invoked.starved,
        replacement: invoked.replacement,
      },
      ...(this.gaveUp !== undefined ? { gaveUp: this.gaveUp } : {}),
    };
  }
}
