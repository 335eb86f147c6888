/**
 * What a completed job with input errors says after its summary: how many inputs got one and the
 * message most of them got, so that a user sees what went wrong without opening a file.
 */
import { RESULTS_FILE } from '../../manager/output.js';
import type { JobSummary } from '../../manager/types.js';
import { inputErrorGroups } from '../../report/job/job-folder.js';

/** The longest message quoted; the rest is in `results.jsonl` and the report. */
const MESSAGE_CHARS = 300;

/**
 * The note of a completed job whose inputs got errors, read from `dir`'s results; null for a job
 * without errors, one that did not complete (its errors say it was cancelled or stopped), or a
 * folder whose results are gone (uploaded, then removed).
 */
export async function inputErrorsNote(dir: string, summary: JobSummary): Promise<string | null> {
  if (summary.status !== 'completed' || summary.errors === 0) return null;
  const [top] = (await inputErrorGroups(dir)) ?? [];
  if (!top) return null;
  const message =
    top.message.length > MESSAGE_CHARS ? `${top.message.slice(0, MESSAGE_CHARS)}...` : top.message;
  const some = `${summary.errors} of ${summary.inputs} inputs got an error`;
  const which =
    summary.errors === 1
      ? message
      : top.count > 1
        ? `${top.count} of them: ${message}`
        : `the first: ${message}`;
  return `${some}: ${which} (every one in ${RESULTS_FILE} and the report's Errors)`;
}
