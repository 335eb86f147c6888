/**
 * The rows of a job's report that say what its functions computed (pure): the task, the
 * preprocessing with where each field came from, the labels and, for an embed job, its vectors.
 */
import type { JobRecord } from '../../manager/types.js';
import { preprocessLine } from '../../protocol/preprocess-line.js';

/** `size from A; resize, interpolation from B`: the fields of each source, in the order first met. */
function sourcesText(from: Record<string, string>, prefix: string): string {
  const fieldsBySource = new Map<string, string[]>();
  for (const [key, source] of Object.entries(from)) {
    if (!key.startsWith(prefix)) continue;
    fieldsBySource.set(source, [...(fieldsBySource.get(source) ?? []), key.slice(prefix.length)]);
  }
  if (fieldsBySource.size === 1) return `from ${[...fieldsBySource.keys()][0]}`;
  return [...fieldsBySource].map(([source, fields]) => `${fields.join(', ')} from ${source}`).join('; ');
}

/** The task as the functions ran it, in words. */
function taskText(record: JobRecord): string | null {
  const task = record.task;
  // A record written before jobs had tasks: a classifier.
  if (!task) return record.pipeline ? `classify, top ${record.pipeline.topK}` : null;
  const output = task.output !== undefined ? `output '${task.output}'` : 'first output';
  if (task.kind === 'embed')
    return `embed, ${output}, ${task.normalize === true ? 'L2-normalised' : 'not normalised'}`;
  const threshold =
    'threshold' in task && typeof task.threshold === 'number' ? `, threshold ${task.threshold}` : '';
  return `classify, ${output}, activation ${task.activation ?? 'auto'}${threshold}, top ${record.pipeline?.topK ?? '-'}`;
}

/** Where the labels came from: the job's file, the model's metadata, or none. */
function labelsText(record: JobRecord): string {
  if (record.task?.kind === 'embed') return 'not used (embed job)';
  if (record.model?.labelsUri) return record.model.labelsUri;
  const fromModel = record.contract?.from?.labels;
  return fromModel ? `from ${fromModel}` : 'none (class numbers only)';
}

/** Label and plain-text value of each row (the caller escapes them). */
export function contractRows(record: JobRecord): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  const task = taskText(record);
  if (task) rows.push(['Task', task]);
  const contract = record.contract;
  if (contract) {
    try {
      const line = preprocessLine(contract.preprocess);
      rows.push(['Preprocessing', `${line} (${sourcesText(contract.from ?? {}, 'preprocess.')})`]);
    } catch {
      // A job folder is untrusted input: a contract that does not read is left out of the page.
    }
  }
  if (typeof contract?.quantized === 'boolean')
    rows.push(['Precision', contract.quantized ? 'int8 (quantized model)' : 'not quantized']);
  rows.push(['Labels', labelsText(record)]);
  const e = record.embeddings;
  if (e) rows.push(['Vectors', `${e.file}: ${e.rows} rows x ${e.dims ?? '?'} float32`]);
  return rows;
}
