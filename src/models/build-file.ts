/** Builds a builtin model and writes it to a file: what `obifaas model build` does. */
import path from 'node:path';
import { messageOf, UserError } from '../errors.js';
import { buildBuiltinModel, parseBuiltinModelName } from './builtin.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { builtinModelPath } from './cache.js';

/** Where to write and which weights. */
export interface BuildModelFileOptions {
  /** Output file; default the model's place in the cache. */
  out?: string;
  seed?: number;
  /** Cache root when `out` is not given; default `obifaasHome()`. */
  home?: string;
}

/** What was written. */
export interface ModelFileInfo {
  name: string;
  seed: number;
  path: string;
  sizeBytes: number;
  parameterCount: number;
  macsPerImage: number;
  inputName: string;
  outputName: string;
}

/** Builds model `name` and writes it atomically; a UserError for an unknown name or an unwritable path. */
export async function buildModelFile(
  name: string,
  options: BuildModelFileOptions = {},
): Promise<ModelFileInfo> {
  const model = parseBuiltinModelName(name);
  const seed = options.seed ?? 0;
  const file = options.out
    ? path.resolve(options.out)
    : builtinModelPath(model, { home: options.home, seed });
  const built = buildBuiltinModel(model, { seed });
  try {
    await writeFileAtomic(file, built.bytes);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`cannot write model to '${file}': ${code ?? messageOf(err)}`, { cause: err });
  }
  return {
    name: built.name,
    seed: built.seed,
    path: file,
    sizeBytes: built.bytes.length,
    parameterCount: built.parameterCount,
    macsPerImage: built.macsPerImage,
    inputName: built.inputName,
    outputName: built.outputName,
  };
}
