/**
 * How each job of a day asks to run unless told otherwise (pure): a replay and a simulation of
 * the same trace use the same defaults, those of a job that says nothing (`obifaas run`).
 */
import { DEFAULT_DISPATCH_MODE, DEFAULT_DYNAMIC_WORKERS, DEFAULT_SPLIT_SIZE } from '../spec/defaults.js';
import type { JobMode } from './types.js';

/** How each trace job asks to run (the policy may change it; the provisioner corrects it). */
export interface DayJobTemplate {
  mode: JobMode;
  /** Workers each job asks for (under the default policy a static job asks one per split instead). */
  workers: number;
  splitSize: number;
  /** Inputs per inference batch on one worker, when known (planning policies bound workers by it). */
  batchSize?: number;
}

/** The defaults: static mode, 50 workers, splits of 32 inputs. */
export const DAY_JOB_DEFAULTS: Readonly<Omit<DayJobTemplate, 'batchSize'>> = Object.freeze({
  mode: DEFAULT_DISPATCH_MODE,
  workers: DEFAULT_DYNAMIC_WORKERS,
  splitSize: DEFAULT_SPLIT_SIZE,
});
