/** Defaults of the dispatch core, with their units in their names. */

/** The tick grid: how often a driver looks for silent workers, stragglers and due relaunches. */
export const DEFAULT_TICK_MS = 250;

/** Once every split is done, how long running workers get to return before they are stopped. */
export const FINISH_GRACE_MS = 5_000;

/** Failed invocations in a row, none finishing a split, after which a dynamic job stops (at least). */
export const MIN_FRUITLESS_FAILURES = 3;

/**
 * The back-off before the inputs of a split that failed for a passing reason (storage throttled,
 * a server fault) are tried again: this after the first round, doubling each round after it.
 */
export const INPUT_RETRY_BACKOFF_MS = 1_000;

/** The longest back-off before inputs are tried again. */
export const MAX_INPUT_RETRY_BACKOFF_MS = 30_000;
