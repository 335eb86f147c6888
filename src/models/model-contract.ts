/**
 * A model's contract as its metadata declares it (`obifaas model annotate` writes it): the
 * preprocessing, the task, and the labels or their digest, each checked with the schema that a
 * job spec's section uses, so a model can declare exactly what a user can.
 */
import { createHash } from 'node:crypto';
import type * as z from 'zod';
import type { Issue } from '../errors.js';
import { preprocessSpecSchema, type PreprocessSpec } from '../protocol/preprocess.js';
import { taskSchema, type Task } from '../protocol/task-schema.js';
import { checkSchema } from '../util/schema.js';
import {
  LABELS_METADATA_KEY,
  LABELS_SHA256_METADATA_KEY,
  MAX_INLINE_LABELS_BYTES,
  PREPROCESS_METADATA_KEY,
  TASK_METADATA_KEY,
} from './contract-metadata.js';

/** What a model declares about itself. */
export interface DeclaredContract {
  preprocess?: PreprocessSpec;
  task?: Task;
  labels?: string[];
  /** SHA-256 (hex) of the labels, when the model carries the digest instead of the names. */
  labelsSha256?: string;
}

/** The digest `obifaas.labels_sha256` holds: SHA-256 (hex) of the names joined by `\n`. */
export function labelsDigest(labels: readonly string[]): string {
  return createHash('sha256').update(labels.join('\n')).digest('hex');
}

function parseJson(text: string, path: string, issues: Issue[]): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    issues.push({ path, message: `not valid JSON (${(err as Error).message})` });
    return undefined;
  }
}

/** The value of the JSON entry `key` checked with `schema`; its problems go to `issues`. */
function jsonEntry<S extends z.ZodType>(
  props: ReadonlyMap<string, string>,
  key: string,
  schema: S,
  where: (key: string) => string,
  issues: Issue[],
): z.output<S> | undefined {
  const text = props.get(key);
  if (text === undefined) return undefined;
  const value = parseJson(text, where(key), issues);
  if (value === undefined) return undefined;
  const checked = checkSchema(schema, value, where(key));
  if (checked.ok) return checked.data;
  issues.push(...checked.issues);
  return undefined;
}

/**
 * The contract in a model's metadata (`model` names it in issues). Every entry that does not
 * parse is an issue naming its key; the others are returned.
 */
export function contractFromMetadata(
  props: ReadonlyMap<string, string>,
  model: string,
): { contract: DeclaredContract; issues: Issue[] } {
  const issues: Issue[] = [];
  const contract: DeclaredContract = {};
  const where = (key: string): string => `model ${model}, metadata ${key}`;
  const preprocess = jsonEntry(props, PREPROCESS_METADATA_KEY, preprocessSpecSchema, where, issues);
  if (preprocess !== undefined) contract.preprocess = preprocess;
  const task = jsonEntry(props, TASK_METADATA_KEY, taskSchema, where, issues);
  if (task !== undefined) contract.task = task;
  const labels = props.get(LABELS_METADATA_KEY);
  if (labels !== undefined) {
    const lines = labels.split('\n');
    if (lines.length === 0 || labels === '')
      issues.push({ path: where(LABELS_METADATA_KEY), message: 'empty' });
    else contract.labels = lines;
  }
  const digest = props.get(LABELS_SHA256_METADATA_KEY);
  if (digest !== undefined) {
    if (/^[0-9a-f]{64}$/.test(digest)) contract.labelsSha256 = digest;
    else
      issues.push({ path: where(LABELS_SHA256_METADATA_KEY), message: 'expected 64 lowercase hex digits' });
  }
  return { contract, issues };
}

/**
 * The metadata entries of a contract, as `annotate` writes them: JSON for the preprocessing and
 * the task; the labels themselves when they take at most {@link MAX_INLINE_LABELS_BYTES}, else
 * their digest.
 */
export function contractEntries(contract: {
  preprocess?: PreprocessSpec;
  task?: Task;
  labels?: readonly string[];
}): Array<{ key: string; value: string }> {
  const entries: Array<{ key: string; value: string }> = [];
  if (contract.preprocess)
    entries.push({ key: PREPROCESS_METADATA_KEY, value: JSON.stringify(contract.preprocess) });
  if (contract.task) entries.push({ key: TASK_METADATA_KEY, value: JSON.stringify(contract.task) });
  if (contract.labels) {
    const text = contract.labels.join('\n');
    if (Buffer.byteLength(text) <= MAX_INLINE_LABELS_BYTES)
      entries.push({ key: LABELS_METADATA_KEY, value: text });
    else entries.push({ key: LABELS_SHA256_METADATA_KEY, value: labelsDigest(contract.labels) });
  }
  return entries;
}
