/**
 * Reads two job folders and compares them ({@link compareJobs}): `job.json` through its schema,
 * `results.jsonl` through the result schema (a folder is untrusted input: a damaged one is
 * refused with the one-line error the job report and `obifaas results` give).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../errors.js';
import type { JobRecord } from '../../manager/types.js';
import { readJobRecord } from '../job/job-folder.js';
import { readResults } from '../results/export.js';
import { compareFigures, comparedJob, recordTask } from './compare-figures.js';
import { byKey, classifyAgreement, commonKeys } from './compare-predictions.js';
import type { JobComparison } from './job-comparison.js';

/** SHA-256 (hex) of a file; null where it cannot be read. */
async function fileSha256(file: string): Promise<string | null> {
  if (!path.isAbsolute(file)) return null;
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) hash.update(chunk);
  } catch {
    return null;
  }
  return hash.digest('hex');
}

const withArticle = (task: string): string => `${/^[aeiou]/.test(task) ? 'an' : 'a'} ${task}`;

/** Refuses two jobs that cannot be compared: different tasks, or an embed job (not compared yet). */
function checkTasks(dirA: string, a: JobRecord, dirB: string, b: JobRecord): 'classify' {
  const [ta, tb] = [recordTask(a), recordTask(b)];
  if (ta !== tb)
    throw new UserError(
      `--compare: '${dirA}' is ${withArticle(ta)} job and '${dirB}' is ${withArticle(tb)} job; only jobs of the same task compare`,
    );
  if (ta === 'embed')
    throw new UserError(
      `--compare: '${dirA}' and '${dirB}' are embed jobs; comparing embed jobs is not supported yet (classify jobs only)`,
    );
  return ta;
}

/**
 * Two job folders side by side: what each cost and took, how each ran, and how far their
 * predictions agree on the inputs both have.
 *
 * Reads each folder's `job.json` and `results.jsonl`, and the model file each job loaded (for its
 * digest, null where it is not readable here). Jobs whose inputs only partly overlap are
 * compared on the keys both have (`keys` says how many each has alone).
 *
 * @throws {UserError} for a folder that is not a job's, or a damaged `job.json` or
 *   `results.jsonl` (naming the file, and the line or field); for two jobs of different tasks
 *   (naming both), two embed jobs, or two jobs with no input in common.
 */
export async function compareJobs(dirA: string, dirB: string): Promise<JobComparison> {
  const [recordA, recordB] = [await readJobRecord(dirA), await readJobRecord(dirB)];
  const task = checkTasks(dirA, recordA, dirB, recordB);
  const [resultsA, resultsB] = [byKey(await readResults(dirA)), byKey(await readResults(dirB))];
  const { keys, counts } = commonKeys(resultsA, resultsB);
  if (keys.length === 0)
    throw new UserError(
      `--compare: '${dirA}' (${resultsA.size} inputs) and '${dirB}' (${resultsB.size} inputs) have no input in common; compare two runs over the same inputs`,
    );
  const [shaA, shaB] = await Promise.all([fileSha256(recordA.model.path), fileSha256(recordB.model.path)]);
  return {
    a: comparedJob(dirA, recordA, shaA),
    b: comparedJob(dirB, recordB, shaB),
    task,
    keys: counts,
    figures: compareFigures(recordA, recordB),
    predictions: classifyAgreement(keys, resultsA, resultsB),
  };
}
