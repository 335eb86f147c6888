/**
 * Why a job was cancelled, as `job.json` and the summary keep it (pure): the reason its signal
 * was aborted with, when that is an Error (its message) or a string. It is the caller's text,
 * kept as given but for credentials in URLs, which are masked as everywhere else in records, and
 * made one line (control characters escaped, cut at the CLI's longest message) so that the
 * summary table and the report show it whole and in its place.
 */
import { oneLine } from '../util/one-line.js';
import { redactUrlCredentials } from '../util/redact.js';

/** The text of an abort's `reason`, or undefined for a reason of another kind (or none). */
export function cancelReasonOf(reason: unknown): string | undefined {
  const text = reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : undefined;
  return text === undefined || text.trim() === '' ? undefined : oneLine(redactUrlCredentials(text));
}
