/**
 * Reads two job folders and compares them ({@link compareJobs}): `job.json` through its schema,
 * `results.jsonl` and `embeddings.parquet` through the package's readers (`readJobResults`,
 * `readEmbeddings`; a folder is untrusted input: a damaged one is refused with the one-line
 * error the job report and `obifaas results` give).
 */
import path from 'node:path';
import { UserError } from '../../errors.js';
import type { JobRecord } from '../../manager/types.js';
import { fileDigest } from '../../util/file-digest.js';
import { readJobRecord } from '../job/job-folder.js';
import type { InputResult } from '../../core/prediction.js';
import { readEmbeddings } from '../results/read-embeddings.js';
import { readJobResults } from '../results/read-results.js';
import { compareFigures, comparedJob, recordTask } from './compare-figures.js';
import { byKey, classifyAgreement, commonKeys } from './compare-predictions.js';
import { embedAgreement } from './compare-vectors.js';
import { compareIntervals } from './ratio-interval.js';
import type { EmbedAgreement, JobComparison } from './job-comparison.js';

/**
 * SHA-256 (hex) of a regular file; null where it cannot be read or is not a regular file (a
 * job.json may name a device or a pipe, which `fileDigest` refuses rather than wait on).
 */
async function fileSha256(file: string): Promise<string | null> {
  if (!path.isAbsolute(file)) return null;
  try {
    return (await fileDigest(file, 'model file')).sha256;
  } catch {
    return null;
  }
}

const withArticle = (task: string): string => `${/^[aeiou]/.test(task) ? 'an' : 'a'} ${task}`;

/** The task both jobs ran; two jobs of different tasks are refused, naming both. */
function commonTask(dirA: string, a: JobRecord, dirB: string, b: JobRecord): 'classify' | 'embed' {
  const [ta, tb] = [recordTask(a), recordTask(b)];
  if (ta !== tb)
    throw new UserError(
      `--compare: '${dirA}' is ${withArticle(ta)} job and '${dirB}' is ${withArticle(tb)} job; only jobs of the same task compare`,
    );
  return ta;
}

/** The result lines of a job, as `results.jsonl` has them (a completed job's: in input order). */
async function resultsOf(dir: string): Promise<Map<string, InputResult>> {
  const lines: InputResult[] = [];
  for await (const line of readJobResults(dir, { order: 'file' })) lines.push(line);
  return byKey(lines);
}

/** An embed job's vectors by key (the first of a key listed twice), and their length. */
async function vectorsOf(dir: string): Promise<{ dims: number; byKey: Map<string, Float32Array> }> {
  const read = await readEmbeddings(dir, { order: 'file' });
  const map = new Map<string, Float32Array>();
  read.keys.forEach((key, i) => {
    if (!map.has(key)) map.set(key, read.vectors[i]!);
  });
  return { dims: read.dims, byKey: map };
}

/** The vectors of two embed jobs compared; vectors of different lengths are refused. */
async function compareVectors(
  dirs: { a: string; b: string },
  keys: readonly string[],
  results: { a: Map<string, InputResult>; b: Map<string, InputResult> },
): Promise<EmbedAgreement> {
  const [va, vb] = [await vectorsOf(dirs.a), await vectorsOf(dirs.b)];
  if (va.byKey.size > 0 && vb.byKey.size > 0 && va.dims !== vb.dims)
    throw new UserError(
      `--compare: the vectors of '${dirs.a}' have ${va.dims} values and those of '${dirs.b}' ${vb.dims}; only vectors of one length compare`,
    );
  return embedAgreement(keys, results, { a: va.byKey, b: vb.byKey }, va.dims || vb.dims);
}

/**
 * Two job folders side by side: what each cost and took, how each ran, and how far their
 * predictions agree on the inputs both have: for classify jobs the top-1 and top-5 classes, for
 * embed jobs the cosine similarity of each input's two vectors.
 *
 * Reads each folder's `job.json`, `results.jsonl` (and an embed job's `embeddings.parquet`), and
 * the model's digest each `job.json` recorded (for a record from before it was kept, the digest of
 * the model file as it is now, null where it is not readable here). Jobs whose inputs only partly
 * overlap are compared on the keys both have (`keys` says how many each has alone).
 *
 * @throws {UserError} for a folder that is not a job's, or a damaged `job.json` or
 *   `results.jsonl` or `embeddings.parquet` (naming the file, and the line or field); for two
 *   jobs of different tasks (naming both), embed jobs whose vectors differ in length, or two
 *   jobs with no input in common.
 */
export async function compareJobs(dirA: string, dirB: string): Promise<JobComparison> {
  const [recordA, recordB] = [await readJobRecord(dirA), await readJobRecord(dirB)];
  const task = commonTask(dirA, recordA, dirB, recordB);
  const results = { a: await resultsOf(dirA), b: await resultsOf(dirB) };
  const { keys, counts } = commonKeys(results.a, results.b);
  if (keys.length === 0)
    throw new UserError(
      `--compare: '${dirA}' (${results.a.size} inputs) and '${dirB}' (${results.b.size} inputs) have no input in common; compare two runs over the same inputs`,
    );
  const predictions =
    task === 'embed'
      ? await compareVectors({ a: dirA, b: dirB }, keys, results)
      : classifyAgreement(keys, results.a, results.b);
  // A record that keeps the model's digest is read, never the file (which may have changed since).
  const fileDigestOf = (r: JobRecord) => (r.model.sha256 !== undefined ? null : fileSha256(r.model.path));
  const [shaA, shaB] = await Promise.all([fileDigestOf(recordA), fileDigestOf(recordB)]);
  const [a, b] = [comparedJob(dirA, recordA, shaA), comparedJob(dirB, recordB, shaB)];
  const figures = compareFigures(recordA, recordB);
  return {
    a,
    b,
    task,
    keys: counts,
    figures,
    intervals: compareIntervals(recordA, recordB, {
      costPerImageUsd: figures.costPerImageUsd.ratio,
      imagesPerSecond: figures.imagesPerSecond.ratio,
    }),
    predictions,
    sameModel: a.model.sha256 === null || b.model.sha256 === null ? null : a.model.sha256 === b.model.sha256,
  };
}
