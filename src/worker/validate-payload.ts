/**
 * Checks a worker payload before any work starts, with the protocol's schema
 * (`protocol/payload-schema.ts`): every problem at once, each with its field path. Missing
 * pipeline settings take the function's defaults.
 */
import { defaultPipelineConfig } from './defaults.js';
import type { PipelineConfig, WorkerPayload } from '../protocol/invocation.js';
import {
  workerPayloadSchema,
  workPayloadSchema,
  type ParsedPayload,
  type PipelineSettings,
} from '../protocol/payload-schema.js';
import { parseWithSchema } from '../util/schema.js';

/** Payload kinds that run the pipeline. */
export type WorkPayload = Exclude<WorkerPayload, { kind: 'ping' }>;

/** How a refused payload's message starts. */
export const INVALID_PAYLOAD = 'invalid worker payload';

/** `base` with the settings of `given` that are set. */
function overlay<T extends object>(base: T, given: Partial<T> | undefined): T {
  const out = { ...base };
  for (const [key, value] of Object.entries(given ?? {}))
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  return out;
}

/** The pipeline settings of a payload, with the function's defaults for those left out. */
export function withDefaultPipeline(pipeline: PipelineSettings | undefined): PipelineConfig {
  const base = defaultPipelineConfig();
  return {
    load: overlay(base.load, pipeline?.load),
    preprocess: overlay(base.preprocess, pipeline?.preprocess),
    predict: overlay(base.predict, pipeline?.predict),
    topK: pipeline?.topK ?? base.topK,
  };
}

/**
 * Parses any payload (`ping` included); throws `SpecError` (a `UserError`) listing every
 * problem, each naming its field.
 */
export function parsePayload(payload: unknown): ParsedPayload {
  return parseWithSchema(workerPayloadSchema, payload, INVALID_PAYLOAD);
}

/**
 * Checks a `static` or `dynamic` payload and returns it with a complete pipeline config.
 * Throws `SpecError` listing every problem, each naming its field.
 */
export function validateWorkPayload(payload: unknown): WorkPayload {
  const parsed = parseWithSchema(workPayloadSchema, payload, INVALID_PAYLOAD);
  return { ...parsed, pipeline: withDefaultPipeline(parsed.pipeline) };
}
