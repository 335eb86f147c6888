/**
 * The schema of `job.json` (pure), the record a job writes when it ends. The report, `obifaas
 * results`, the API's `readJobRecord` and `--resume` read it back through this schema, so a
 * damaged or edited record is refused naming its file and field, never half-read.
 *
 * Unknown keys are errors, as in the job's other records (`record-schemas.ts`): the job manager
 * writes `job.json` itself, every key it has ever written is known here (keys added later are
 * optional, so an older record reads), and a key it does not know means another version or a
 * person wrote the record, whose figures the report would show as ours.
 */
import * as z from 'zod';
import { pipelineConfigSchema, storageRefSchema, workerFaultsSchema } from '../protocol/payload-schema.js';
import { resolvedPreprocessSchema } from '../protocol/preprocess.js';
import { ACTIVATIONS, taskSchema } from '../protocol/task-schema.js';
import { MAX_MEMORY_MB, MIN_MEMORY_MB } from '../protocol/limits.js';
import { faultPolicySchema, resolvedJobSpecSchema } from '../spec/resolved-schema.js';
import { intRange, nonEmptyString, numberRange, sha256Hex } from '../util/schema.js';
import {
  invocationRecordSchema,
  isoTimeSchema,
  jobRunRecordSchema,
  modelDigestFields,
  splitAttemptSchema,
} from './record-schemas.js';

const count = intRange(0);
const amount = numberRange({ min: 0 });
const memoryMb = intRange(MIN_MEMORY_MB, MAX_MEMORY_MB);
const jobStatus = z.enum(['completed', 'cancelled', 'failed']);

/** One split as `job.json` records it (`types.ts` `SplitRecord`). */
export const splitRecordSchema = z.strictObject({
  splitId: nonEmptyString,
  inputs: count,
  status: z.enum(['pending', 'running', 'done']),
  workerId: z.string().nullable(),
  startedAt: amount.nullable(),
  endedAt: amount.nullable(),
  retries: count,
  error: z.string().nullable(),
  attempts: z.array(splitAttemptSchema),
  run: count.optional(),
});

/** The numbers of a job (`types.ts` `JobSummary`); null where a figure means nothing for it. */
export const jobSummarySchema = z
  .strictObject({
    job: z.string(),
    jobId: nonEmptyString,
    status: jobStatus,
    cancelReason: z.string().optional(),
    modelSha256: sha256Hex.optional(),
    mode: z.string(),
    backend: z.string(),
    inputs: count,
    ok: count,
    errors: count,
    workers: count,
    invocations: count,
    invocationsInEarlierRuns: count.optional(),
    failedInvocations: count,
    retries: count,
    coldStarts: count,
    elapsedSeconds: amount,
    latencySeconds: amount.nullable(),
    runs: intRange(1).optional(),
    imagesPerSecond: amount.nullable(),
    billedSeconds: amount,
    estimatedInvocations: count.optional(),
    estimatedBilledSeconds: amount.optional(),
    functionSeconds: amount,
    initSeconds: amount,
    costUsd: amount,
    costPerMillionImagesUsd: amount,
    imagesPerDollar: amount.nullable(),
    priceModel: z.string(),
    memoryMb,
    out: z.string(),
  })
  .refine((s) => s.ok + s.errors <= s.inputs, {
    path: ['ok'],
    error: 'ok + errors is more than the inputs of the job',
  })
  .refine((s) => (s.invocationsInEarlierRuns ?? 0) <= s.invocations, {
    path: ['invocationsInEarlierRuns'],
    error: 'is more than the invocations of the job',
  });

/** What each function had and got, from the job's plan (`job-plan/types.ts` `PlannedFunctions`). */
const plannedFunctionsSchema = z.strictObject({
  backend: z.string(),
  memoryMb,
  maxConcurrency: intRange(1),
  cpus: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('memory'), memoryMb, mbPerVcpu: amount, maxVcpus: amount }),
    z.strictObject({ kind: z.literal('shared'), cores: amount }),
    z.strictObject({ kind: z.literal('fixed'), vcpus: amount, from: z.string() }),
  ]),
  vcpus: amount,
  intraOpThreads: intRange(1),
  threadsFrom: z.enum(['vcpus', 'spec']),
});

/** The plan a run ran, and what it predicted (`types.ts` `JobPlanRecord`). */
const jobPlanRecordSchema = z.strictObject({
  splits: count,
  invocations: count,
  predicted: z
    .strictObject({
      basis: z.string(),
      costUsd: amount,
      costPerMillionImagesUsd: amount,
      latencySeconds: amount,
      billedSeconds: amount,
      priceModel: z.string(),
    })
    .optional(),
  noPrediction: z.string().optional(),
});

/** The model's contract as the job resolved it (`job-contract.ts` `ContractRecord`). */
const contractRecordSchema = z.strictObject({
  preprocess: resolvedPreprocessSchema,
  // Written by earlier versions (the task the model declared); kept so their records read.
  declaredTask: taskSchema.optional(),
  from: z.record(z.string(), z.string()),
  // Absent in records written before it was recorded.
  quantized: z.boolean().optional(),
});

/** A task with its output and settings resolved (`protocol/task-output.ts` `ResolvedTask`). */
const resolvedTaskSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('classify'),
    output: z.string(),
    activation: z.enum(ACTIVATIONS),
    threshold: numberRange({ min: 0, max: 1 }).nullable(),
  }),
  z.strictObject({ kind: z.literal('embed'), output: z.string(), normalize: z.boolean() }),
]);

/** A dynamic job's split dispatcher (`dispatcher-record.ts`), never its token. */
const dispatcherRecordSchema = z.strictObject({
  host: z.string(),
  advertiseHost: z.string(),
  port: intRange(0, 65535),
  tls: z
    .discriminatedUnion('enabled', [
      z.strictObject({ enabled: z.literal(false) }),
      z.strictObject({
        enabled: z.literal(true),
        source: z.enum(['self-signed', 'files']),
        sha256: sha256Hex,
      }),
    ])
    .optional(),
  counters: z.strictObject({
    streams: count,
    unauthenticated: count,
    invalidMetadata: count,
    malformed: count,
    protocolErrors: count,
  }),
  workersLost: z.array(
    z.strictObject({
      workerId: z.string(),
      kind: z.enum(['failed', 'disconnected', 'silent']),
      reason: z.string(),
      requeued: z.array(z.string()),
      failed: z.array(z.string()),
      at: amount,
    }),
  ),
  copies: z.array(
    z.strictObject({
      splitId: z.string(),
      attempt: count,
      workerId: z.string(),
      runningForMs: amount,
      copyNumber: intRange(1),
      at: amount,
    }),
  ),
  invoked: z.strictObject({ planned: count, copy: count, starved: count, replacement: count }),
  gaveUp: z.string().optional(),
});

/** Faults injected into the job's workers (`types.ts` `FaultRecord`). */
const faultRecordSchema = z.strictObject({
  policy: faultPolicySchema,
  workers: z.array(
    z.strictObject({
      workerId: z.string(),
      ordinal: count,
      planned: z.boolean(),
      faults: workerFaultsSchema,
      run: count.optional(),
    }),
  ),
});

/** `job.json`: what a job did, written when it ends (`types.ts` `JobRecord`). */
export const jobRecordSchema = z.strictObject({
  version: z.literal(1),
  jobId: nonEmptyString,
  name: z.string(),
  status: jobStatus,
  stopReason: z.string().optional(),
  startedAt: isoTimeSchema,
  endedAt: isoTimeSchema,
  spec: resolvedJobSpecSchema,
  pipeline: pipelineConfigSchema,
  functions: plannedFunctionsSchema.optional(),
  plan: jobPlanRecordSchema.optional(),
  inputs: z.strictObject({
    location: z.string(),
    kind: z.enum(['manifest', 'folder']),
    storage: storageRefSchema,
    count,
  }),
  model: z.strictObject({
    uri: z.string(),
    path: z.string(),
    labelsUri: z.string().optional(),
    labelsPath: z.string().optional(),
    ...modelDigestFields.partial().shape,
  }),
  contract: contractRecordSchema.optional(),
  summary: jobSummarySchema,
  // A record written before tasks were resolved holds the task as given.
  task: z.union([resolvedTaskSchema, taskSchema]).optional(),
  embeddings: z.strictObject({ file: z.string(), rows: count, dims: intRange(1).nullable() }).optional(),
  resultsOrder: z.enum(['input', 'completion']).optional(),
  splits: z.array(splitRecordSchema),
  invocations: z.array(invocationRecordSchema),
  runs: z.array(jobRunRecordSchema).optional(),
  dispatcher: dispatcherRecordSchema.optional(),
  faults: faultRecordSchema.optional(),
});

/** `job.json` as its schema reads it: the `JobRecord` of `types.ts` (a type test keeps them equal). */
export type ParsedJobRecord = z.output<typeof jobRecordSchema>;
