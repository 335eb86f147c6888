/** Where job options come from: flags, a config file, environment variables, defaults. */
export { CONFIG_KEYS, CONFIG_FILE_ENV, renderConfigTable, flagAttribute, type ConfigKey } from './keys.js';
export {
  mergeLayers,
  layerFromEnv,
  layerFromFlags,
  annotateIssues,
  type Layer,
  type MergedOptions,
} from './layers.js';
export { loadConfigFile, parseConfigText } from './file.js';
export { gatherJobOptions, resolveJobSpec, type OptionSources } from './resolve.js';
