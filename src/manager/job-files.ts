/**
 * The files a run appends to in its job's folder: `results.jsonl`, `splits.jsonl`,
 * `invocations.jsonl`, an embed job's staged vectors and `workers.log`, opened together when
 * the run starts and closed together when it ends.
 */
import path from 'node:path';
import { EMBEDDINGS_STAGING_FILE, VectorLog } from './embeddings-file.js';
import { INVOCATIONS_FILE } from './job-spec-file.js';
import { JsonlLog, openWorkerLog, RESULTS_FILE, SPLITS_FILE, type WorkerLog } from './output.js';

/** A run's open files in its job's folder. */
export interface JobFiles {
  results: JsonlLog;
  splitLog: JsonlLog;
  invocationLog: JsonlLog;
  /** An embed job's staged vectors; undefined for other tasks. */
  vectors: VectorLog | undefined;
  workerLog: WorkerLog;
  /** Closes every file (after the last line is written). */
  close(): Promise<void>;
}

/**
 * Opens a run's files in `outDir` (the staged vectors with `embed`). `resumeTarget`: what
 * `--resume` is given to finish the job (its `s3://` output when it has one, else `outDir`),
 * named by the message of a failed write.
 */
export async function openJobFiles(
  outDir: string,
  { embed, resumeTarget }: { embed: boolean; resumeTarget: string },
): Promise<JobFiles> {
  const open = (name: string): Promise<JsonlLog> => JsonlLog.open(path.join(outDir, name), { resumeTarget });
  const results = await open(RESULTS_FILE);
  const splitLog = await open(SPLITS_FILE);
  const invocationLog = await open(INVOCATIONS_FILE);
  const vectors = embed ? new VectorLog(await open(EMBEDDINGS_STAGING_FILE)) : undefined;
  const workerLog = openWorkerLog(outDir);
  return {
    results,
    splitLog,
    invocationLog,
    vectors,
    workerLog,
    close: async () => {
      await Promise.all([
        results.close(),
        splitLog.close(),
        invocationLog.close(),
        vectors?.close(),
        new Promise<void>((resolve) => workerLog.end(resolve)),
      ]);
    },
  };
}
