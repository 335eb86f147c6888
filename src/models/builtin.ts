/** The models Obi-FaaS can build by name. */
import { UserError } from '../errors.js';
import { closestName } from '../util/suggest.js';
import type { BuiltModel, ModelBuildOptions } from './built-model.js';
import { buildResNet50 } from './resnet50.js';
import { buildTiny } from './tiny.js';

/** Names of the builtin models. */
export const BUILTIN_MODELS = ['resnet50', 'tiny'] as const;

/** A builtin model name. */
export type BuiltinModelName = (typeof BUILTIN_MODELS)[number];

const BUILDERS: Record<BuiltinModelName, (options: ModelBuildOptions) => BuiltModel> = {
  resnet50: buildResNet50,
  tiny: buildTiny,
};

export function isBuiltinModelName(name: string): name is BuiltinModelName {
  return (BUILTIN_MODELS as readonly string[]).includes(name);
}

/** The name as a builtin model name, or a UserError listing the names there are. */
export function parseBuiltinModelName(name: string): BuiltinModelName {
  if (isBuiltinModelName(name)) return name;
  const hint = closestName(name, BUILTIN_MODELS);
  throw new UserError(
    `unknown model '${name}': expected one of ${BUILTIN_MODELS.join(', ')}${hint ? `; did you mean '${hint}'?` : ''}`,
  );
}

/** Builds a builtin model in memory. */
export function buildBuiltinModel(name: BuiltinModelName, options: ModelBuildOptions = {}): BuiltModel {
  return BUILDERS[name](options);
}
