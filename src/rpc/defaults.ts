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
 * The end of the dispatcher's own certificate's validity (made for one run of a job when the
 * user brings none): none, RFC 5280's `99991231235959Z` for a certificate without a
 * well-defined expiration date. A run has no longest duration, and a certificate that expired
 * mid-run would stop every invocation started after. Expiry would protect nothing: the
 * functions trust the certificate only because their payload pins it, a new one is made for
 * each run, and its key never leaves the job manager's memory, so it is worthless once its run
 * ends whatever its dates say.
 */
export const EPHEMERAL_CERTIFICATE_NOT_AFTER_MS = Date.UTC(9999, 11, 31, 23, 59, 59);

/** The dispatcher's own certificate is valid from this long before it is made (clocks disagree). */
export const CERTIFICATE_CLOCK_SKEW_MS = 3600_000;
