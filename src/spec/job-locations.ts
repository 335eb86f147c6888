/**
 * The local places a job reads and writes, taken from job options that did not compile (pure):
 * so that a run with bad settings can also report a missing input, model or labels file and an
 * output folder in use, in the same message. A place is left out when its own setting has an
 * issue, when it is a URI (an `s3://` one depends on the S3 settings, and is checked with valid
 * settings only), and, for the inputs, when a `storage` setting says how to read them.
 */
import path from 'node:path';
import type { Issue } from '../errors.js';

/** Local places that can be checked without valid settings; each absolute (a model may be a builtin name). */
export interface JobLocations {
  inputs?: string;
  /** A model file, or a name that is not a path (a builtin model, or a mistake). */
  model?: string;
  labels?: string;
  /** The output folder, when one is given. */
  out?: string;
}

const URI = /^[a-z][a-z0-9+.-]*:\/\//i;

/** True when `model` names a file rather than a builtin model (as `compileJobSpec` reads it). */
function isModelFile(model: string): boolean {
  return model.includes('/') || model.includes(path.sep) || /\.onnx$/i.test(model);
}

/**
 * The places of `options` that can be checked: strings, not URIs, whose setting has no issue in
 * `issues`. Relative paths are resolved from `cwd` (a config file's are absolute already).
 */
export function checkableLocations(options: unknown, issues: readonly Issue[], cwd: string): JobLocations {
  if (typeof options !== 'object' || options === null) return {};
  const o = options as Record<string, unknown>;
  const flagged = new Set(issues.map((i) => i.path.split('.')[0]));
  const place = (key: string): string | undefined => {
    const value = Object.hasOwn(o, key) ? o[key] : undefined;
    if (typeof value !== 'string' || value.trim() === '' || URI.test(value) || flagged.has(key))
      return undefined;
    return value;
  };
  const local = (value: string): string => path.resolve(cwd, value);
  const inputs = o.storage === undefined ? place('inputs') : undefined;
  const model = place('model');
  const labels = place('labels');
  const out = place('out');
  return {
    ...(inputs !== undefined ? { inputs: local(inputs) } : {}),
    ...(model !== undefined ? { model: isModelFile(model) ? local(model) : model } : {}),
    ...(labels !== undefined ? { labels: local(labels) } : {}),
    ...(out !== undefined ? { out: local(out) } : {}),
  };
}
