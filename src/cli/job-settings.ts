/**
 * Which job settings each command takes as flags: a subset of the config keys, registered by
 * `addConfigFlags` with the flags, defaults and environment variables of `obifaas run`. Kept
 * here, apart from the commands, so that a command's definition and its lazily loaded body
 * read the same selection.
 */
import { SIMULATE_JOB_PATHS } from '../simulate/job-paths.js';
import { configFlags } from './config-flags.js';

/** The S3 connection (`--s3-endpoint`, `--s3-region`, `--s3-force-path-style`). */
const S3_CONNECTION = ['s3.endpoint', 's3.region', 's3.forcePathStyle'];

/** What `--staging` means for a command that writes a day folder. */
const DAY_STAGING = 'with --out s3://...: the local folder the day is written in before it is uploaded';

/** How `replay` and `simulate` word the job template of a day (the same defaults for both). */
const DAY_TEMPLATE_HELP = {
  defaults: { workers: '50; --policy decides' },
  descriptions: { workers: 'workers each job asks for', staging: DAY_STAGING },
};

/** `obifaas replay`: all but those a replay sets itself (per job, or from --max-workers / --out). */
export const REPLAY_JOB_FLAGS = configFlags({
  except: ['name', 'out', 'backend.maxConcurrency'],
  ...DAY_TEMPLATE_HELP,
});

/** `obifaas simulate`: how each job runs (mode, workers, split size) and what its dispatch does. */
export const SIMULATE_JOB_FLAGS = configFlags({ only: SIMULATE_JOB_PATHS, ...DAY_TEMPLATE_HELP });

/** `obifaas demo`: how many functions, and where the outputs go (an S3 prefix too). */
export const DEMO_JOB_FLAGS = configFlags({
  only: ['workers', 'backend.maxConcurrency', 'out', ...S3_CONNECTION],
  defaults: { workers: 'ceil(count / 32)', out: '$OBIFAAS_HOME/runs/demo-<time>' },
  // The demo is static and has no --staging: the run's wording of these two would name both.
  descriptions: {
    workers: 'function invocations, one contiguous chunk of the images each',
    out:
      'output folder (results.jsonl, job.json), or s3://BUCKET/PREFIX: the job works in a staging ' +
      'folder under $OBIFAAS_HOME/staging and uploads its files there when it ends',
  },
});

/** Where the functions of a command's own jobs run. */
const BACKEND_LOCATION = ['backend.type', 'backend.url', 'backend.region', 'backend.functionPrefix'];

/** `obifaas cpr sample`: what the sampling jobs run, where, and how (`s3://` inputs and models too). */
export const CPR_SAMPLE_JOB_FLAGS = configFlags({
  only: [
    'inputs',
    'model',
    'labels',
    'mode',
    'speculation.enabled',
    ...BACKEND_LOCATION,
    'backend.maxConcurrency',
    'backend.memoryMb',
    'backend.timeout',
    'pipeline.predict.batchSize',
    'pipeline.predict.intraOpThreads',
    ...S3_CONNECTION,
  ],
  defaults: { mode: 'dynamic', 'speculation.enabled': 'true in dynamic mode' },
});

/**
 * `obifaas optimize`: what the trials run and where, `s3://` inputs and models too (the space
 * chooses the worker settings).
 */
export const OPTIMIZE_JOB_FLAGS = configFlags({
  only: [
    'inputs',
    'model',
    ...BACKEND_LOCATION,
    'backend.memoryMb',
    'backend.timeout',
    'pipeline.predict.batchSize',
    'pipeline.predict.intraOpThreads',
    ...S3_CONNECTION,
  ],
  defaults: { 'backend.memoryMb': "3008, when the space does not choose 'memory'" },
});

/** Where an `s3://` output goes: the staging folder and the S3 connection (`replay` has them already). */
export const S3_LOCATION_FLAGS = configFlags({
  only: ['staging', ...S3_CONNECTION],
});

/** The S3 connection alone, for commands that write one file (`results`, `report`). */
export const S3_CONNECTION_FLAGS = configFlags({ only: S3_CONNECTION });

/** Where `simulate` writes a day that goes to S3: the staging folder and the S3 connection. */
export const DAY_S3_FLAGS = configFlags({
  only: ['staging', ...S3_CONNECTION],
  descriptions: { staging: DAY_STAGING },
});
