/** Reading a worker config file (`best-worker.json`) for `obifaas run --worker-config`. */
import path from 'node:path';
import type { Layer } from '../config/layers.js';
import { parseWorkerConfig, workerConfigOptions, type WorkerSettings } from '../planning/worker-settings.js';
import { parseJsonText, readTextFile } from '../util/json-file.js';

/** Reads and checks a worker config; throws `UserError` naming the file and every bad key. */
export async function readWorkerConfig(file: string): Promise<WorkerSettings> {
  return parseWorkerConfig(parseJsonText(await readTextFile(file, '--worker-config'), file), file);
}

/** The settings of a worker config as a layer of job options (named after the file). */
export async function loadWorkerConfigLayer(file: string): Promise<Layer> {
  const settings = await readWorkerConfig(file);
  return { source: `--worker-config ${path.basename(file)}`, values: workerConfigOptions(settings) };
}
