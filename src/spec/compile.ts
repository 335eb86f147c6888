/**
 * Job options -> resolved job spec, in three steps: parse the schema, normalise (defaults,
 * units, paths), apply rules. Every problem is collected and thrown together in one
 * {@link SpecError}, each issue starting with its dotted field path.
 */
import path from 'node:path';
import { resolvePrices } from '../core/pricing.js';
import { SpecError, UserError, messageOf, type Issue } from '../errors.js';
import type { StorageRef } from '../core/storage-ref.js';
import { defaultPipelineConfig } from '../worker/defaults.js';
import type { PipelineConfig } from '../protocol/invocation.js';
import {
  DEFAULT_INVOCATION_TIMEOUT_MS,
  DEFAULT_JOB_NAME,
  DEFAULT_MAX_RETRIES,
  DEFAULT_MEMORY_MB,
  DEFAULT_DISPATCH_MODE,
  DEFAULT_SPLIT_SIZE,
  DEFAULT_TOP_K,
  JOB_SPEC_SOURCE,
} from './defaults.js';
import { compileDispatch, compileFaults } from './compile-dispatch.js';
import { compileOut } from './compile-out.js';
import { s3PlaceIssues } from './job-locations.js';
import { compileTaskOptions } from './task-options.js';
import { parseDurationMs } from '../util/duration.js';
import { compileRemoteBackend } from './remote-backends.js';
import { declarationsOf } from './preprocess-options.js';
import { checkSchema, ownEntry, prototypeKeyIssues } from '../util/schema.js';
import { describeValue } from '../util/schema-issues.js';
import { backendSchemas, jobOptionsSchema, modes, type JobOptions } from './schema.js';
import { closestName } from '../util/suggest.js';
import type { CompileContext, DispatchSpec, ResolvedBackend, ResolvedJobSpec } from './types.js';

/** Where each field of the `section` options came from, when its sources are known. */
function fieldSources(
  options: object,
  section: string,
  sources: ReadonlyMap<string, string> | undefined,
): Record<string, string> {
  const known = Object.keys(options).flatMap((field) => {
    const from = sources?.get(`${section}.${field}`);
    return from === undefined ? [] : [[field, from] as const];
  });
  return Object.fromEntries(known);
}

/** True for `s3://...` and other URIs, which are never resolved as local paths. */
export function isUri(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value);
}

/** True when a model value names a file rather than a builtin model. */
export function isModelPath(value: string): boolean {
  return isUri(value) || value.includes('/') || value.includes(path.sep) || /\.onnx$/i.test(value);
}

function localPath(value: string, cwd: string): string {
  return isUri(value) ? value : path.resolve(cwd, value);
}

/**
 * The dispatch with the dispatcher's certificate and key files resolved against `cwd`, as the
 * model's and the labels' paths are: `job.spec.json` keeps them absolute, so that `--resume`
 * from another folder reads the same files.
 */
function withAbsoluteTlsFiles(dispatch: DispatchSpec, cwd: string): DispatchSpec {
  if (dispatch.type !== 'dynamic' || dispatch.tls.mode !== 'files') return dispatch;
  const { certFile, keyFile } = dispatch.tls;
  return {
    ...dispatch,
    tls: { mode: 'files', certFile: path.resolve(cwd, certFile), keyFile: path.resolve(cwd, keyFile) },
  };
}

/** `YYYYMMDD-HHMMSS` (UTC), for default output folder names. */
export function timestampForName(now: Date): string {
  const iso = now.toISOString(); // 2024-05-01T12:34:56.789Z
  return `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}`;
}

/**
 * A job name from the inputs' file or folder name (a generic `manifest.txt` names its folder;
 * for a URL such as `s3://bucket/photos/manifest.txt`, the last part of its path, or the
 * bucket), or `job`.
 */
export function nameFromInputs(inputs: string | undefined): string {
  if (!inputs) return DEFAULT_JOB_NAME;
  const paths = isUri(inputs) ? path.posix : path;
  const trimmed = inputs.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/[\\/]+$/, '');
  let base = paths.basename(trimmed).replace(/\.[^.]*$/, '');
  if (/^(manifest|keys|index)$/i.test(base)) base = paths.basename(paths.dirname(trimmed));
  const cleaned = base
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64);
  return cleaned === '' ? DEFAULT_JOB_NAME : cleaned;
}

/** The http backend's URLs left out: say how to give them, rather than what type they take. */
function namedRequiredUrl(issue: Issue): Issue {
  if (issue.path !== 'backend.url' || !issue.message.startsWith('missing')) return issue;
  return {
    path: issue.path,
    message:
      'missing: the http backend needs its function URLs (--url URL[,URL...], or backend.url in a config file)',
  };
}

/** An http backend's `token` key: a secret, which only the environment gives (never a file). */
function namedTokenSource(issue: Issue): Issue {
  if (issue.path !== 'backend.token' || !issue.message.startsWith('unknown key')) return issue;
  return {
    path: issue.path,
    message:
      "not a setting: the functions' token is a secret, read only from the environment variable OBIFAAS_FUNCTION_TOKEN (never from a file, a flag or job.json)",
  };
}

function compileBackend(
  raw: Record<string, unknown> | undefined,
  cores: number,
  issues: Issue[],
): ResolvedBackend | undefined {
  const type = raw?.type ?? 'local';
  if (typeof type !== 'string') {
    issues.push({ path: 'backend.type', message: `expected a string, got ${describeValue(type)}` });
    return undefined;
  }
  const entry = ownEntry(backendSchemas, type);
  const known = Object.keys(backendSchemas);
  if (!entry) {
    const hint = closestName(type, known);
    issues.push({
      path: 'backend.type',
      message: `unknown backend '${type}'; ${hint ? `did you mean '${hint}'? ` : ''}expected one of: ${known.join(', ')}`,
    });
    return undefined;
  }
  if (!entry.available) {
    issues.push({ path: 'backend.type', message: `backend '${type}' is not available in this version` });
    return undefined;
  }
  const parsed = checkSchema(entry.schema, { ...raw, type }, 'backend');
  if (!parsed.ok) {
    issues.push(...parsed.issues.map(namedRequiredUrl).map(type === 'http' ? namedTokenSource : (i) => i));
    return undefined;
  }
  const options = parsed.data as { maxConcurrency?: number; memoryMb?: number; timeout?: string | number };
  let timeoutMs = DEFAULT_INVOCATION_TIMEOUT_MS;
  if (options.timeout !== undefined) {
    const duration = parseDurationMs(options.timeout);
    if ('error' in duration) issues.push({ path: 'backend.timeout', message: duration.error });
    else timeoutMs = duration.ms;
  }
  if (type !== 'local') {
    const explicitTimeoutMs = options.timeout !== undefined ? timeoutMs : undefined;
    return compileRemoteBackend(type, parsed.data, explicitTimeoutMs, issues);
  }
  return {
    type: 'local',
    maxConcurrency: options.maxConcurrency ?? Math.max(1, cores),
    memoryMb: options.memoryMb ?? DEFAULT_MEMORY_MB,
    timeoutMs,
  };
}

/**
 * The pipeline settings as given, defaults filled in. Threads left unset start at one: the job
 * plan gives each function threads for its own vCPUs (see `autoThreads`).
 */
function compilePipeline(options: JobOptions): PipelineConfig {
  const base = defaultPipelineConfig(1);
  const p = options.pipeline ?? {};
  return {
    load: { ...base.load, ...p.load },
    preprocess: { ...base.preprocess, ...p.preprocess },
    predict: { ...base.predict, ...p.predict },
    topK: options.topK ?? DEFAULT_TOP_K,
  };
}

/** The dispatch spec of a mode (default static), or undefined with an issue for an unknown or unavailable one. */
export function compileMode(
  mode: string | undefined,
  o: JobOptions,
  issues: Issue[],
): ResolvedJobSpec['dispatch'] | undefined {
  const name = mode ?? DEFAULT_DISPATCH_MODE;
  const entry = ownEntry(modes, name);
  if (!entry) {
    const hint = closestName(name, Object.keys(modes));
    issues.push({
      path: 'mode',
      message: `unknown mode '${name}'; ${hint ? `did you mean '${hint}'? ` : ''}expected one of: ${Object.keys(modes).join(', ')}`,
    });
    return undefined;
  }
  if (!entry.available) {
    issues.push({ path: 'mode', message: `mode '${name}' is not available in this version; use 'static'` });
    return undefined;
  }
  return compileDispatch(name, o, issues);
}

/**
 * Checks job options (from any source) without resolving them; returns every issue. Used for a
 * config file on its own and for the merged layers.
 */
export function validateJobOptions(options: unknown): Issue[] {
  const parsed = checkSchema(jobOptionsSchema, options);
  return parsed.ok ? [] : parsed.issues;
}

/**
 * Resolves job options into a {@link ResolvedJobSpec}. Throws {@link SpecError} carrying every
 * issue (schema, backend, mode, required fields) at once.
 */
export function compileJobSpec(options: unknown, context: CompileContext): ResolvedJobSpec {
  const issues: Issue[] = [];
  // A prototype key stops everything: no rule runs on such an object.
  const refused = prototypeKeyIssues(options);
  if (refused.length > 0) throw new SpecError(refused);
  const parsed = checkSchema(jobOptionsSchema, options);
  if (!parsed.ok) issues.push(...parsed.issues);
  // Go on with the raw values after a schema failure, so that one run reports everything.
  const o = (parsed.ok ? parsed.data : isRecord(options) ? options : {}) as JobOptions;
  if (!o.inputs) issues.push({ path: 'inputs', message: 'missing (a manifest file or a folder of images)' });
  if (!o.model)
    issues.push({
      path: 'model',
      message: "missing (an ONNX model file or a builtin model name: 'resnet50', 'tiny')",
    });
  issues.push(...s3PlaceIssues(o as Record<string, unknown>));
  const backend = compileBackend(isRecord(o.backend) ? o.backend : undefined, context.cores, issues);
  const dispatch = compileMode(typeof o.mode === 'string' ? o.mode : undefined, o, issues);
  const faults = compileFaults(o, issues);
  const preprocess = context.preprocess ?? declarationsOf(o.preprocess, issues);
  const task = compileTaskOptions(o.task, issues);
  if (task?.kind === 'embed') {
    if (o.topK !== undefined)
      issues.push({ path: 'topK', message: 'a setting of classify tasks; this task is embed' });
    if (o.labels !== undefined)
      issues.push({ path: 'labels', message: 'class names are for classify tasks; this task is embed' });
  }
  const taskSources = task ? fieldSources(task, 'task', context.sources) : {};
  let prices;
  if (parsed.ok) {
    try {
      prices = resolvePrices(o.prices ?? {});
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      const [where, ...rest] = messageOf(err).split(': ');
      issues.push({ path: where ?? 'prices', message: rest.join(': ') });
    }
  }
  // After a schema failure the raw values may be anything: only strings are read here.
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  const name = text(o.name) ?? nameFromInputs(text(o.inputs));
  const whereTo = { out: text(o.out), staging: text(o.staging), s3: parsed.ok ? o.s3 : undefined };
  const out = compileOut(whereTo, name, context, issues, timestampForName(context.now));
  if (issues.length > 0 || !parsed.ok || !backend || !dispatch || !prices || !o.inputs || !o.model) {
    throw new SpecError(dedupe(issues));
  }

  const cwd = context.cwd;
  const storage: StorageRef | undefined =
    o.storage?.type === 'fs' ? { type: 'fs', root: path.resolve(cwd, o.storage.root) } : o.storage;
  return {
    name,
    inputs: localPath(o.inputs, cwd),
    model: {
      uri: isModelPath(o.model) ? localPath(o.model, cwd) : o.model,
      ...(o.labels ? { labelsUri: localPath(o.labels, cwd) } : {}),
    },
    ...(storage ? { storage } : {}),
    backend,
    dispatch: withAbsoluteTlsFiles(dispatch, cwd),
    ...(o.workers !== undefined ? { workers: o.workers } : {}),
    splitSize: o.splitSize ?? DEFAULT_SPLIT_SIZE,
    maxRetries: o.maxRetries ?? DEFAULT_MAX_RETRIES,
    ...(preprocess.length > 0 ? { preprocess } : {}),
    ...(task ? { task } : {}),
    ...(Object.keys(taskSources).length > 0 ? { taskSources } : {}),
    pipeline: compilePipeline(o),
    ...(o.topK !== undefined ? { topKSource: context.sources?.get('topK') ?? JOB_SPEC_SOURCE } : {}),
    autoThreads: o.pipeline?.predict?.intraOpThreads === undefined,
    ...out,
    prices,
    ...(faults ? { faults } : {}),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function dedupe(issues: Issue[]): Issue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const id = `${i.path}\u0000${i.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
