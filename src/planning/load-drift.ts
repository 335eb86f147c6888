/**
 * Whether the machine stayed as busy between two phases of a measurement (pure): the sampled
 * jobs a CPR model is fitted on, and the jobs whose cost is compared with its prediction.
 *
 * On a shared machine the other processes take CPU from our functions, and a CPR model fitted
 * while they were busy predicts slower, dearer jobs than a quiet machine runs: the error then
 * measures the machine, not the model. The criterion is the median of the cores that other
 * processes kept busy during each phase's jobs (`MachineLoad.otherBusyCores`). The load
 * average is reported beside it but does not decide: it counts our own processes (a job of two
 * workers raises it more than a job of one) and lags by a minute.
 */
import type { MachineLoad } from './cpr-records.js';
import { median } from '../core/median.js';

/** The largest change in the others' busy cores, as a share of the machine's cores. */
export const LOAD_DRIFT_THRESHOLD_SHARE = 0.25;

/** The machine's load over one phase's jobs. */
export interface PhaseLoad {
  /** Jobs whose load was measured. */
  jobs: number;
  medianLoadAverage: number | null;
  medianOtherBusyCores: number | null;
  /**
   * The fewest and most cores the others kept busy during one job of the phase: a wide range
   * means a steady median hides jobs run on a quiet and on a busy machine, and the errors of
   * single jobs scatter accordingly.
   */
  otherBusyCoresRange: [number, number] | null;
}

/** What {@link loadDrift} found. */
export interface LoadDrift {
  sampling: PhaseLoad;
  runs: PhaseLoad;
  /** Median others' busy cores, runs minus sampling; null when a phase was not measured. */
  otherBusyCoresChange: number | null;
  /** The largest change allowed, in cores. */
  thresholdCores: number;
  /** True when the change exceeds the threshold; null when it could not be measured. */
  drifted: boolean | null;
  /** Why the comparison cannot be trusted; null when it can. */
  warning: string | null;
}

function phase(loads: readonly (MachineLoad | undefined)[]): PhaseLoad {
  const measured = loads.filter((l): l is MachineLoad => l !== undefined);
  const others = measured.flatMap((l) => (l.otherBusyCores === null ? [] : [l.otherBusyCores]));
  return {
    jobs: measured.length,
    medianLoadAverage: median(measured.map((l) => l.loadAverage)),
    medianOtherBusyCores: median(others),
    otherBusyCoresRange: others.length ? [Math.min(...others), Math.max(...others)] : null,
  };
}

const cores = (v: number): string => `${v.toFixed(2)} core${v === 1 ? '' : 's'}`;

/**
 * Compares the machine's load during the sampled jobs with that during the compared runs, on a
 * machine of `machineCores` cores; a change above `thresholdShare` of them is a drift.
 */
export function loadDrift(
  sampling: readonly (MachineLoad | undefined)[],
  runs: readonly (MachineLoad | undefined)[],
  machineCores: number,
  thresholdShare = LOAD_DRIFT_THRESHOLD_SHARE,
): LoadDrift {
  const before = phase(sampling);
  const after = phase(runs);
  const thresholdCores = thresholdShare * machineCores;
  const base = { sampling: before, runs: after, thresholdCores };
  if (before.medianOtherBusyCores === null || after.medianOtherBusyCores === null) {
    const missing = before.medianOtherBusyCores === null ? 'the samples' : 'the runs';
    return {
      ...base,
      otherBusyCoresChange: null,
      drifted: null,
      warning: `the machine's load was not measured during ${missing}: a drift between the phases cannot be ruled out`,
    };
  }
  const change = after.medianOtherBusyCores - before.medianOtherBusyCores;
  const drifted = Math.abs(change) > thresholdCores;
  return {
    ...base,
    otherBusyCoresChange: change,
    drifted,
    warning: drifted
      ? `other processes kept ${cores(before.medianOtherBusyCores)} busy during the samples and ` +
        `${cores(after.medianOtherBusyCores)} during the runs (a change of ${cores(Math.abs(change))}, ` +
        `more than the ${cores(thresholdCores)} allowed): the runs met ${change < 0 ? 'a quieter' : 'a busier'} ` +
        `machine than the samples, so their error measures the machine, not the CPR model`
      : null,
  };
}
