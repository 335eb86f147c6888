/**
 * Results files that hold one entry per run label (`--label`), so that runs of different builds
 * (before, after) sit side by side: the file's other labels are kept, this label's is replaced.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

/** Writes `result` under `label` in `file`, beside the labels already there. */
export async function writeLabelledResult(
  file: string,
  heading: { benchmark: string; notes: string },
  label: string,
  result: unknown,
): Promise<void> {
  const previous = await fs.readFile(file, 'utf8').then(
    (t) => JSON.parse(t) as { results?: Record<string, unknown> },
    () => ({ results: {} }),
  );
  const merged = { ...heading, results: { ...previous.results, [label]: result } };
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, `${JSON.stringify(merged, null, 2)}\n`);
}
