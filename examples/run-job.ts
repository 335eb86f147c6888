/**
 * A small job through the programmatic API: a synthetic dataset of 8 images, classified by the
 * builtin `tiny` model on local function processes, with a progress line from the job's events;
 * prints the job's summary (the object `obifaas run --json` prints) on stdout.
 *
 *   node --import tsx examples/run-job.ts [FOLDER]    (from a clone, after `npm install`)
 *
 * FOLDER (default: a new temporary folder) receives the dataset (`data/`) and the job's outputs
 * (`job/`: results.jsonl, job.json, report.html). Ctrl-C cancels the job; every input still gets
 * its result line.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateDataset, resolveJobSpec, runJob, writeJobReport, type JobEvent } from 'obifaas';

const folder = process.argv[2] ?? (await mkdtemp(path.join(os.tmpdir(), 'obifaas-example-')));
const dataset = await generateDataset({ count: 8, outDir: path.join(folder, 'data'), seed: 1 });

// Options as a config file would give them; every default applied, every mistake reported at once.
const spec = resolveJobSpec({
  inputs: dataset.manifestPath,
  model: 'tiny',
  workers: 2,
  topK: 3,
  out: path.join(folder, 'job'),
});

/** One line on stderr per finished split or failure: what a progress bar would draw. */
function show(event: JobEvent): void {
  const { done, total, running } = event.progress;
  if (event.type === 'split-done')
    process.stderr.write(`split ${event.splitId}: ${done}/${total} images, ${running} running\n`);
  else if (event.type === 'error')
    process.stderr.write(`${event.fatal ? 'job stopped' : 'invocation failed'}: ${event.message}\n`);
}

const cancel = new AbortController();
process.once('SIGINT', () => cancel.abort());
const summary = await runJob(spec, { signal: cancel.signal, onProgress: show });
await writeJobReport(summary.out);
console.log(JSON.stringify(summary, null, 2));
process.exitCode = summary.status === 'completed' ? 0 : 1;
