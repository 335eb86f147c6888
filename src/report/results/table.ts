/**
 * Result lines as a table (pure): one row per input, the top-k classes spread into columns
 * (`top1_class`, `top1_label`, `top1_score`, `top2_class`...), or for an embed job where each
 * vector is (`embedding_row` in `embeddings.parquet`, `embedding_dims`), and CSV text for it.
 */
import type { InputResult } from '../../core/prediction.js';

/**
 * The columns of the table: the key, the error, then class, label (when any) and score per rank,
 * and the vector's row and length when any input has one.
 */
export interface ResultColumns {
  ranks: number;
  labels: boolean;
  embeddings: boolean;
  names: string[];
}

/** The columns `results` need: as many ranks as the longest `top`, labels when any has one. */
export function resultColumns(results: readonly InputResult[]): ResultColumns {
  const ranks = Math.max(0, ...results.map((r) => r.top?.length ?? 0));
  const labels = results.some((r) => r.top?.some((c) => typeof c.label === 'string') === true);
  const embeddings = results.some((r) => r.embedding !== undefined);
  const names = ['key', 'error'];
  for (let k = 1; k <= ranks; k++)
    names.push(`top${k}_class`, ...(labels ? [`top${k}_label`] : []), `top${k}_score`);
  if (embeddings) names.push('embedding_row', 'embedding_dims');
  return { ranks, labels, embeddings, names };
}

/** One row's cells, in the order of `columns.names`; null where there is no value. */
export function resultRow(r: InputResult, columns: ResultColumns): Array<string | number | null> {
  const row: Array<string | number | null> = [r.key, r.error];
  for (let k = 0; k < columns.ranks; k++) {
    const c = r.top?.[k];
    row.push(c ? c.class : null);
    if (columns.labels) row.push(typeof c?.label === 'string' ? c.label : null);
    row.push(c ? c.score : null);
  }
  if (columns.embeddings) row.push(r.embedding?.row ?? null, r.embedding?.dims ?? null);
  return row;
}

/** A CSV field (RFC 4180): quoted when it holds a comma, quote or line break; null is empty. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The table as CSV text with a header line. */
export function resultsCsv(results: readonly InputResult[]): string {
  const columns = resultColumns(results);
  const lines = [columns.names.join(',')];
  for (const r of results) lines.push(resultRow(r, columns).map(csvField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
