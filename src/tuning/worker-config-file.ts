/** Reading a worker config file (`best-worker.json`) for `obifaas run --worker-config`. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Layer } from '../config/layers.js';
import { messageOf, UserError } from '../errors.js';
import { parseWorkerConfig, workerConfigOptions, type WorkerSettings } from '../planning/worker-settings.js';

/** Reads and checks a worker config; throws {@link UserError} naming the file and every bad key. */
export async function readWorkerConfig(file: string): Promise<WorkerSettings> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(
      `--worker-config: cannot read '${file}'${code === 'ENOENT' ? ': no such file' : code === 'EISDIR' ? ': it is a folder' : `: ${messageOf(err)}`}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UserError(`--worker-config: '${file}' is not valid JSON (${messageOf(err)})`);
  }
  return parseWorkerConfig(json, file);
}

/** The settings of a worker config as a layer of job options (named after the file). */
export async function loadWorkerConfigLayer(file: string): Promise<Layer> {
  const settings = await readWorkerConfig(file);
  return { source: `--worker-config ${path.basename(file)}`, values: workerConfigOptions(settings) };
}
