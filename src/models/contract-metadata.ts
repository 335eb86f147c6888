/**
 * The names under which a model describes its own contract in the ONNX file's `metadata_props`
 * (written by `obifaas model annotate`, read by every job and by `obifaas model inspect`). One
 * place for them, so that the writer and every reader agree.
 *
 * - `obifaas.preprocess`: JSON of a preprocessing spec (the job spec's `preprocess:` section,
 *   without `file`), checked with the same schema when read.
 * - `obifaas.task`: JSON of a task spec (the job spec's `task:` section).
 * - `obifaas.labels`: the class names, joined by newlines (line i = class i).
 * - `obifaas.labels_sha256`: the SHA-256 (hex) of the labels file's text with its trailing blank
 *   lines dropped and lines joined by `\n`, written instead of the names when they are too long
 *   to carry (a job given a labels file checks it against the digest).
 */

/** Key of the preprocessing spec (JSON). */
export const PREPROCESS_METADATA_KEY = 'obifaas.preprocess';

/** Key of the task spec (JSON). */
export const TASK_METADATA_KEY = 'obifaas.task';

/** Key of the class names, newline-joined. */
export const LABELS_METADATA_KEY = 'obifaas.labels';

/** Key of the SHA-256 (hex) of the newline-joined class names. */
export const LABELS_SHA256_METADATA_KEY = 'obifaas.labels_sha256';

/** The largest labels text `annotate` writes in full; above it, only its digest is written. */
export const MAX_INLINE_LABELS_BYTES = 1024 * 1024;

/** Where a part of the contract is said to come from when a metadata entry declares it. */
export function fromMetadata(key: string): string {
  return `model metadata (${key})`;
}
