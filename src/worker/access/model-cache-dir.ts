/**
 * Where a function caches models fetched from storage: `$OBIFAAS_MODEL_CACHE` (the deployment's
 * choice; `obifaas deploy` sets `/tmp/obifaas-models` on Lambda, whose `/tmp` belongs to one
 * function), or `function-models` in this user's Obi-FaaS folder. Never a shared, predictable
 * folder: the cache is made private (mode 0700) and checked to be this user's before use
 * (`storage/fetch.ts`).
 */
import path from 'node:path';
import { obifaasHome } from '../../util/paths.js';

/** The remote-model cache folder of this function. */
export function modelCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.OBIFAAS_MODEL_CACHE;
  return fromEnv && fromEnv.trim() !== ''
    ? path.resolve(fromEnv)
    : path.join(obifaasHome(env), 'function-models');
}
