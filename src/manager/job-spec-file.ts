/**
 * `job.spec.json`: the resolved spec of a job, written when it starts (before any function runs)
 * and updated when it is resumed, so that `obifaas run --resume DIR` can finish the job with the
 * same settings and the same split plan. Secrets are never written.
 */
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-file.js';
import { readJsonFile } from '../util/json-file.js';
import { redactUrlCredentials } from '../util/redact.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import { JOB_SPEC_FILE } from './output.js';
import { jobSpecFileSchema } from './record-schemas.js';
import type { JobRunRecord, ModelDigests } from './types.js';

export { JOB_SPEC_FILE };
/** One line per finished function invocation, appended as they end (costs survive a crash). */
export const INVOCATIONS_FILE = 'invocations.jsonl';

export interface JobSpecFile {
  version: 1;
  jobId: string;
  spec: ResolvedJobSpec;
  /** The inputs the job started with: how many and a digest of the keys in order. */
  inputs: { count: number; digest: string };
  /** What the model and labels files held when the job started (absent in older folders). */
  model?: ModelDigests;
  /** Every run so far (the first, then one per resume). */
  runs: JobRunRecord[];
  /** Fields left out because they hold secrets (given again from the config when resuming). */
  redacted?: string[];
}

const SECRET_NAME = /token|secret|password|credential|apikey|api_key|authorization/i;

/** A copy of `value` without fields whose names say they hold secrets; lists their paths. */
export function redactSecrets<T>(value: T): { value: T; redacted: string[] } {
  const redacted: string[] = [];
  const walk = (v: unknown, at: string): unknown => {
    if (Array.isArray(v)) return v.map((item, i) => walk(item, `${at}[${i}]`));
    if (typeof v !== 'object' || v === null) return v;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(v)) {
      const p = at ? `${at}.${key}` : key;
      if (SECRET_NAME.test(key)) redacted.push(p);
      else out[key] = walk(inner, p);
    }
    return out;
  };
  return { value: walk(value, '') as T, redacted };
}

/** Writes `job.spec.json` whole or not at all, without secrets (fields, or credentials in URLs). */
export async function writeJobSpecFile(outDir: string, file: Omit<JobSpecFile, 'redacted'>): Promise<void> {
  const { value: spec, redacted } = redactSecrets(file.spec);
  const content: JobSpecFile = { ...file, spec, ...(redacted.length > 0 ? { redacted } : {}) };
  await writeFileAtomic(
    path.join(outDir, JOB_SPEC_FILE),
    Buffer.from(redactUrlCredentials(`${JSON.stringify(content, null, 2)}\n`), 'utf8'),
  );
}

/**
 * The `job.spec.json` of the job in `dir`, read through its schema: a file that cannot be read,
 * is not JSON or that the schema refuses is a `UserError` naming the file (`what` starts the
 * message of a refused one).
 */
export async function readJobSpecFile(dir: string, what = 'invalid job spec file'): Promise<JobSpecFile> {
  return readJsonFile(path.join(dir, JOB_SPEC_FILE), jobSpecFileSchema, what);
}
