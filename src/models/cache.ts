/**
 * Where builtin models live on disk: `<obifaasHome()>/models/<name>-r<recipe>-seed<seed>.onnx`,
 * built on first use. The recipe number changes whenever a builder's weights change, so a cache
 * filled by an older version is never mistaken for the current one. Files appear atomically
 * (`util/atomic-file.ts`), so a reader never sees half a model and two processes building the
 * same model at once both succeed.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { messageOf, ModelError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { obifaasHome, pathExists } from '../util/paths.js';
import { closestName } from '../util/suggest.js';
import { checkSeed } from './built-model.js';
import { BUILTIN_MODELS, buildBuiltinModel, type BuiltinModelName, isBuiltinModelName } from './builtin.js';
import { FolderRefusal } from '../util/make-folder.js';

export { BUILTIN_MODELS, type BuiltinModelName, isBuiltinModelName };

/** Where to keep the models and which weights to build. */
export interface ModelCacheOptions {
  /** Root folder; default `obifaasHome()` (`$OBIFAAS_HOME` or `~/.cache/obifaas`). */
  home?: string;
  /** Weight seed; default 0. */
  seed?: number;
}

/** Version of the weight recipes; bump it whenever a builder produces different bytes. */
export const BUILTIN_RECIPE_VERSION = 1;

/** The path a builtin model has in the cache (whether or not it is built yet). */
export function builtinModelPath(name: BuiltinModelName, options: ModelCacheOptions = {}): string {
  const seed = checkSeed(options.seed ?? 0);
  return path.join(
    options.home ?? obifaasHome(),
    'models',
    `${name}-r${BUILTIN_RECIPE_VERSION}-seed${seed}.onnx`,
  );
}

const building = new Map<string, Promise<string>>();

/**
 * The path of a builtin model in the cache, building and writing it first if it is not there.
 * A ModelError when the cache folder cannot be written.
 */
export async function ensureBuiltinModel(
  name: BuiltinModelName,
  options: ModelCacheOptions = {},
): Promise<string> {
  if (!isBuiltinModelName(name)) throw new RangeError(`unknown builtin model '${String(name)}'`);
  const seed = checkSeed(options.seed ?? 0);
  const file = builtinModelPath(name, { ...options, seed });
  if (await isNonEmptyFile(file)) return file;
  let pending = building.get(file);
  if (!pending) {
    pending = (async () => {
      const bytes = buildBuiltinModel(name, { seed }).bytes;
      try {
        await writeFileAtomic(file, bytes);
      } catch (err) {
        const reason =
          err instanceof FolderRefusal
            ? err.message
            : ((err as NodeJS.ErrnoException).code ?? messageOf(err));
        throw new ModelError(`cannot write builtin model '${name}' to '${file}': ${reason}`, { cause: err });
      }
      return file;
    })().finally(() => building.delete(file));
    building.set(file, pending);
  }
  return pending;
}

/**
 * A model reference as given by a user: a builtin name (`resnet50`, `tiny`) becomes the cached
 * file (built on first use); anything else is a path, returned as given. A bare word that is
 * neither a builtin name nor a file is a ModelError that says which name was likely meant.
 */
export async function resolveModelPath(spec: string, options: ModelCacheOptions = {}): Promise<string> {
  if (isBuiltinModelName(spec)) return ensureBuiltinModel(spec, options);
  const bareWord = /^[A-Za-z0-9_-]+$/.test(spec);
  if (bareWord && !(await pathExists(spec))) {
    const hint = closestName(spec, BUILTIN_MODELS);
    throw new ModelError(
      `unknown model '${spec}': not a builtin model (${BUILTIN_MODELS.join(', ')}) nor a file` +
        (hint ? `; did you mean '${hint}'?` : ''),
    );
  }
  return spec;
}

async function isNonEmptyFile(file: string): Promise<boolean> {
  try {
    const info = await stat(file);
    return info.isFile() && info.size > 0;
  } catch {
    return false;
  }
}
