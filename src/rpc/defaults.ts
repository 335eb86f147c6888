/** Defaults of the split dispatcher and its clients, with their units in their names. */

/** Interval of worker heartbeats (the reference's `keep_alive_interval`). */
export const DEFAULT_KEEP_ALIVE_INTERVAL_MS = 2_000;

/** A worker not heard from for this long is given up and its split is retried. */
export const DEFAULT_WORKER_SILENT_TIMEOUT_MS = 5 * DEFAULT_KEEP_ALIVE_INTERVAL_MS;

/** How often the dispatcher ticks its core: silent workers, and speculation at its own interval. */
export { DEFAULT_TICK_MS } from '../core/dispatch-defaults.js';

/** Largest message either side accepts (see `protocol/limits.ts`). */
export { MAX_DISPATCHER_MESSAGE_BYTES as DEFAULT_MAX_MESSAGE_BYTES } from '../protocol/limits.js';

/** How long a client waits to reach the dispatcher before giving up. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** Interface the dispatcher binds to unless told otherwise. */
export const DEFAULT_DISPATCHER_HOST = '127.0.0.1';

/**
 * How long the dispatcher's own certificate (made for one job when the user brings none) stays
 * valid: long enough for a long job, short enough that a copy of it is soon worthless; its key
 * never leaves the job manager's memory.
 */
export const EPHEMERAL_CERTIFICATE_VALIDITY_MS = 7 * 24 * 3600_000;

/** The dispatcher's own certificate is valid from this long before it is made (clocks disagree). */
export const CERTIFICATE_CLOCK_SKEW_MS = 3600_000;
