/**
 * Checks a worker payload before any work starts. Every problem is reported at once, each with
 * its dotted field path; missing pipeline settings take their defaults.
 */
import { SpecError, type Issue } from '../errors.js';
import { defaultPipelineConfig } from './defaults.js';
import type { PipelineConfig, WorkerPayload } from '../protocol/invocation.js';
import { PIPELINE_LIMITS, type PipelineField } from '../protocol/limits.js';

/** Payload kinds that run the pipeline. */
export type WorkPayload = Exclude<WorkerPayload, { kind: 'ping' }>;


function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || typeof v !== 'object') return String(v);
  return Array.isArray(v) ? 'an array' : 'an object';
}

function get(config: Record<string, unknown>, field: PipelineField): unknown {
  const [group, name] = field.split('.') as [string, string | undefined];
  if (name === undefined) return config[group];
  const section = config[group];
  return isObject(section) ? section[name] : undefined;
}

/**
 * The pipeline settings with defaults filled in for missing ones; problems go to `issues` with
 * paths under `pipeline.`.
 */
export function resolvePipelineConfig(input: unknown, issues: Issue[]): PipelineConfig {
  const config = defaultPipelineConfig();
  if (input === undefined) return config;
  if (!isObject(input)) {
    issues.push({ path: 'pipeline', message: `must be an object, got ${describe(input)}` });
    return config;
  }
  for (const group of ['load', 'preprocess', 'predict'] as const) {
    const section = input[group];
    if (section !== undefined && !isObject(section)) {
      issues.push({ path: `pipeline.${group}`, message: `must be an object, got ${describe(section)}` });
    }
  }
  for (const field of Object.keys(PIPELINE_LIMITS) as PipelineField[]) {
    const value = get(input, field);
    if (value === undefined) continue;
    const max = PIPELINE_LIMITS[field];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
      issues.push({
        path: `pipeline.${field}`,
        message: `must be an integer from 1 to ${max}, got ${describe(value)}`,
      });
      continue;
    }
    const [group, name] = field.split('.') as [keyof PipelineConfig, string | undefined];
    if (name === undefined) (config as unknown as Record<string, number>)[group] = value;
    else (config[group] as Record<string, number>)[name] = value;
  }
  return config;
}

function requireString(obj: Record<string, unknown>, field: string, path: string, issues: Issue[]): void {
  const value = obj[field];
  if (typeof value !== 'string' || value.trim() === '') {
    issues.push({ path, message: `must be a non-empty string, got ${describe(value)}` });
  }
}

/**
 * Checks a `static` or `dynamic` payload and returns it with a complete pipeline config.
 * Throws {@link SpecError} listing every problem, each naming its field.
 */
export function validateWorkPayload(payload: unknown): WorkPayload {
  const issues: Issue[] = [];
  if (!isObject(payload))
    throw new SpecError([{ path: '(payload)', message: 'must be an object' }], 'invalid worker payload');
  requireString(payload, 'jobId', 'jobId', issues);
  requireString(payload, 'workerId', 'workerId', issues);
  const model = payload.model;
  if (!isObject(model))
    issues.push({ path: 'model', message: `must be an object with a uri, got ${describe(model)}` });
  else {
    requireString(model, 'uri', 'model.uri', issues);
    if (model.labelsUri !== undefined) requireString(model, 'labelsUri', 'model.labelsUri', issues);
  }
  const storage = payload.storage;
  if (!isObject(storage) || typeof storage.type !== 'string') {
    issues.push({
      path: 'storage',
      message: `must be a storage reference with a type, got ${describe(storage)}`,
    });
  }
  const pipeline = resolvePipelineConfig(payload.pipeline, issues);
  if (payload.kind === 'static') checkSplits(payload.splits, issues);
  const faults = payload.faults;
  if (faults !== undefined) {
    if (!isObject(faults))
      issues.push({ path: 'faults', message: `must be an object, got ${describe(faults)}` });
    else {
      const delay = faults.delayMsPerSplit;
      if (delay !== undefined && (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0)) {
        issues.push({
          path: 'faults.delayMsPerSplit',
          message: `must be a number >= 0, got ${describe(delay)}`,
        });
      }
      const fail = faults.failAfterFirstSplit;
      if (fail !== undefined && typeof fail !== 'boolean') {
        issues.push({
          path: 'faults.failAfterFirstSplit',
          message: `must be true or false, got ${describe(fail)}`,
        });
      }
    }
  }
  if (issues.length > 0) throw new SpecError(issues, 'invalid worker payload');
  return { ...(payload as unknown as WorkPayload), pipeline };
}

function checkSplits(splits: unknown, issues: Issue[]): void {
  if (!Array.isArray(splits)) {
    issues.push({ path: 'splits', message: `must be an array, got ${describe(splits)}` });
    return;
  }
  splits.forEach((split: unknown, i) => {
    if (!isObject(split)) {
      issues.push({ path: `splits[${i}]`, message: `must be an object, got ${describe(split)}` });
      return;
    }
    requireString(split, 'splitId', `splits[${i}].splitId`, issues);
    const keys = split.keys;
    if (!Array.isArray(keys))
      issues.push({ path: `splits[${i}].keys`, message: `must be an array, got ${describe(keys)}` });
    else {
      const bad = keys.findIndex((k) => typeof k !== 'string' || k === '');
      if (bad >= 0) {
        issues.push({
          path: `splits[${i}].keys[${bad}]`,
          message: `must be a non-empty string, got ${describe(keys[bad])}`,
        });
      }
    }
  });
}
