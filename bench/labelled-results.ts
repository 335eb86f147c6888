/**
 * Results files that hold one entry per run label (`--label`), so that runs of different builds
 * (before, after) sit side by side: the file's other labels are kept, this label's is replaced.
 *
 * A benchmark owns its `benchmark` name, its `notes` (what it measures) and its label's entry
 * under `results`. Everything else in the file is kept as it is: the other labels and what was
 * written beside them by hand, such as `labels` (what build or conditions each label ran).
 */
import fs from 'node:fs/promises';
import * as z from 'zod';
import { writeFileAtomic } from '../src/util/atomic-file.js';

/** The file as this module reads it: an object with its runs under `results`, and any other field. */
const labelledResultsSchema = z.looseObject({ results: z.record(z.string(), z.unknown()).optional() });

/** What a benchmark writes at the top of its file. */
export interface ResultsHeading {
  benchmark: string;
  /** What the benchmark measures (its own text; a label's story goes under `labels`). */
  notes: string;
}

async function readPrevious(file: string): Promise<z.output<typeof labelledResultsSchema>> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  // A file that cannot be read back is never written over: its other labels would be lost.
  const value: unknown = JSON.parse(text);
  const parsed = labelledResultsSchema.safeParse(value);
  if (!parsed.success) throw new Error(`${file} is not a labelled results file: ${parsed.error.message}`);
  // The value as read, not as parsed: its fields stay in the file's order.
  return value as z.output<typeof labelledResultsSchema>;
}

/** Writes `result` under `label` in `file`, beside the labels and the fields already there. */
export async function writeLabelledResult(
  file: string,
  heading: ResultsHeading,
  label: string,
  result: unknown,
): Promise<void> {
  const previous = await readPrevious(file);
  const merged = { ...previous, ...heading, results: { ...previous.results, [label]: result } };
  await writeFileAtomic(file, Buffer.from(`${JSON.stringify(merged, null, 2)}\n`, 'utf8'));
}
