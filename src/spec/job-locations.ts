/**
 * The places a job reads and writes, from its options (pure). An `s3://` input, model or labels
 * file must name a valid bucket: a rule of the spec, reported with the other settings' issues.
 * The local places of options that did not compile are taken out so that a run with bad
 * settings can also report a missing input, model or labels file and an output folder in use,
 * in the same message. A place is left out when its own setting has an issue, when it is a URI
 * (whether an `s3://` one exists depends on the S3 settings: it is looked up with valid settings
 * only), and, for the inputs, when a `storage` setting says how to read them.
 */
import path from 'node:path';
import { splitS3Uri } from '../core/storage-ref.js';
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
const S3_URI = /^s3:\/\//i;

/** The places read from storage, each checked by {@link s3PlaceIssues}. */
const READ_PLACES = ['inputs', 'model', 'labels'] as const;

/**
 * An issue under each of `inputs`, `model` and `labels` that is an `s3://` URI naming no valid
 * bucket (the `out` setting's own rule is in `compile-out.ts`).
 */
export function s3PlaceIssues(options: Readonly<Record<string, unknown>>): Issue[] {
  return READ_PLACES.flatMap((key) => {
    const value = Object.hasOwn(options, key) ? options[key] : undefined;
    if (typeof value !== 'string' || !S3_URI.test(value.trim())) return [];
    const parts = splitS3Uri(value);
    return 'error' in parts ? [{ path: key, message: parts.error }] : [];
  });
}

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
