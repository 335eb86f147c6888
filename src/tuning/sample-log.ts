/**
 * The folder of `obifaas cpr sample`: `cpr-plan.json` (the plan and what it runs on, written
 * once), `samples.jsonl` (one record per finished point, appended and fsync'd) and `jobs/`
 * (each point's job outputs). A re-run with the same settings skips the recorded points; a
 * re-run with other settings is refused, so one folder never mixes two plans.
 */
import path from 'node:path';
import { JsonlLog } from '../manager/output.js';
import type { CprSampleRecord } from '../planning/cpr-sample-record.js';
import { cprSampleSchema, SAMPLES_FILE } from '../planning/cpr-records.js';
import type { Precision } from '../planning/precision.js';
import type { SamplePoint } from '../planning/sampling-plan.js';
import { readJsonLinesFile, repairJsonLinesTail } from '../util/json-lines-file.js';
import { startOrResumeFolder } from './setup-file.js';

export const SAMPLING_PLAN_FILE = 'cpr-plan.json';

/** What a sampling folder was started with; a re-run must match it. */
export interface SamplingSetup {
  version: 1;
  maxImages: number;
  minImages: number;
  batchSize: number;
  linear: number;
  log: number;
  seed: number;
  maxWorkers: number;
  memoryMb: number;
  backend: string;
  mode: string;
  speculation: boolean;
  model: string;
  inputs: string;
  /** The precisions each point runs in, and their model files (absent: the model as given). */
  precisions?: Precision[];
  models?: Partial<Record<Precision, string>>;
  points: SamplePoint[];
}

const COMPARED: readonly (keyof SamplingSetup)[] = [
  'maxImages',
  'minImages',
  'batchSize',
  'linear',
  'log',
  'seed',
  'maxWorkers',
  'memoryMb',
  'backend',
  'mode',
  'speculation',
  'model',
  'inputs',
  'precisions',
  'models',
];

function differences(previous: Record<string, unknown>, now: SamplingSetup): string[] {
  return COMPARED.filter((key) => JSON.stringify(previous[key]) !== JSON.stringify(now[key])).map(
    (key) => `${key} was ${JSON.stringify(previous[key])}, now ${JSON.stringify(now[key])}`,
  );
}

/** The samples file of a sampling folder, open for appending. */
export class SampleLog {
  private constructor(
    readonly file: string,
    /** Records of points of this plan already sampled. */
    readonly recorded: readonly CprSampleRecord[],
    private readonly log: JsonlLog,
  ) {}

  /**
   * Opens (or starts) the folder for `setup`. Throws {@link UserError} when the folder was
   * started with other settings, or when its samples file has bad lines (named by number).
   */
  static async open(dir: string, setup: SamplingSetup): Promise<SampleLog> {
    await startOrResumeFolder(
      dir,
      { name: SAMPLING_PLAN_FILE, what: 'a sampling plan' },
      setup,
      (previous) => {
        const changed = differences(previous, setup);
        return changed.length > 0
          ? `${dir} holds samples of another plan (${changed.join('; ')}): re-run with the same settings to resume, or choose another --out`
          : undefined;
      },
    );
    const file = path.join(dir, SAMPLES_FILE);
    const log = await readJsonLinesFile(file, cprSampleSchema, { what: 'bad CPR sample records' });
    await repairJsonLinesTail(file, log);
    const samples = log.records as Partial<CprSampleRecord>[];
    const indexes = new Set(setup.points.map((p) => p.index));
    const recorded = samples.filter(
      (s): s is CprSampleRecord => typeof s.index === 'number' && indexes.has(s.index),
    );
    return new SampleLog(file, recorded, await JsonlLog.open(file));
  }

  /** Appends one record; resolves once it is on disk. */
  append(record: CprSampleRecord): Promise<void> {
    return this.log.append([record]);
  }

  close(): Promise<void> {
    return this.log.close();
  }
}
