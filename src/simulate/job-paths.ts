/**
 * The config keys of `obifaas run` that `obifaas simulate` takes too, with the same flags,
 * parsing and defaults: how each job asks to run (mode, workers, split size), retries,
 * speculation and fault injection. (Kept apart so that the CLI can register the flags without
 * loading the simulator.)
 */
export const SIMULATE_JOB_PATHS: readonly string[] = [
  'workers',
  'splitSize',
  'mode',
  'maxRetries',
  'maxSplitRetries',
  'speculation.enabled',
  'speculation.quantile',
  'speculation.multiplier',
  'speculation.interval',
  'faults.failPercent',
  'faults.delayPercent',
  'faults.delayMax',
  'faults.readErrorPercent',
  'faults.seed',
];
