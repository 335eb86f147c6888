/**
 * Starts a worker thread on one of our own modules, from compiled code (`.js`) or from source
 * (`.ts`, under tests and `tsx`). Node 20 does not pass `--import tsx` on to worker threads, so
 * a source thread first registers tsx's loader and then imports its module.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** Field of `workerData` that tells the bootstrap which module to load. */
const ENTRY_FIELD = '__obifaasThreadEntry';

// A fixed bootstrap (our code, never data): register the TypeScript loader, then load the entry.
const SOURCE_BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
const { entry, tsxApi } = workerData.${ENTRY_FIELD};
import(tsxApi)
  .then((api) => { api.register(); return import(entry); })
  .catch((err) => { process.nextTick(() => { throw err; }); });
`;

/**
 * @param fromUrl `import.meta.url` of the caller
 * @param relative path of the thread module, relative to the caller, without extension
 */
export function startThread(fromUrl: string, relative: string, workerData: Record<string, unknown>): Worker {
  if (!fromUrl.endsWith('.ts')) return new Worker(new URL(`${relative}.js`, fromUrl), { workerData });
  const entry = new URL(`${relative}.ts`, fromUrl).href;
  const tsxApi = tsxEsmApiUrl(fromUrl);
  return new Worker(SOURCE_BOOTSTRAP, {
    eval: true,
    workerData: { ...workerData, [ENTRY_FIELD]: { entry, tsxApi } },
  });
}

/** URL of tsx's ESM loader API, read from tsx's own package exports. */
function tsxEsmApiUrl(fromUrl: string): string {
  const manifest = createRequire(fromUrl).resolve('tsx/package.json');
  const exports = JSON.parse(fs.readFileSync(manifest, 'utf8')).exports as Record<
    string,
    { import: { default: string } }
  >;
  const target = exports['./esm/api']?.import.default;
  if (!target) throw new Error(`tsx at ${path.dirname(manifest)} has no ESM API export`);
  return pathToFileURL(path.join(path.dirname(manifest), target)).href;
}
