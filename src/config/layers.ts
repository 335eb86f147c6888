/**
 * Layering of job options (pure): each layer is a nested options object with the name of its
 * source; later layers win. Remembers which source set each field, so that a validation
 * message can say where a bad value came from.
 *
 * Merged options are built of objects without a prototype, and a key that names a prototype
 * (`__proto__`, `constructor`, `prototype`) is never merged: the sources refuse such keys first,
 * and the merge could not write into `Object.prototype` even if one came through.
 */
import type { Issue } from '../errors.js';
import { parseDurationMs } from '../util/duration.js';
import { PROTOTYPE_KEYS } from '../util/schema.js';
import { CONFIG_KEYS, flagAttribute, type ConfigKey } from './keys.js';

export type Options = Record<string, unknown>;

/** One source of options: a name ('--workers', 'config.yaml', 'environment') and its values. */
export interface Layer {
  source: string;
  values: Options;
  /** Per dotted path, a more precise source (a flag or variable name). */
  sources?: Map<string, string>;
}

export interface MergedOptions {
  options: Options;
  /** Dotted path of every set field -> where its value came from. */
  sources: Map<string, string>;
}

function isRecord(value: unknown): value is Options {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An empty options object without a prototype. */
function emptyOptions(): Options {
  return Object.create(null) as Options;
}

function refusePrototypeKey(key: string, at: string): void {
  if (PROTOTYPE_KEYS.has(key)) throw new RangeError(`refused to merge the key '${key}' at '${at}'`);
}

/** A deep copy of `value` made of objects without a prototype (lists copied item by item). */
function copyOptions(value: unknown, at: string): unknown {
  if (Array.isArray(value)) return value.map((item, i) => copyOptions(item, `${at}[${i}]`));
  if (!isRecord(value)) return value;
  const copy = emptyOptions();
  for (const [key, inner] of Object.entries(value)) {
    refusePrototypeKey(key, at);
    copy[key] = copyOptions(inner, at ? `${at}.${key}` : key);
  }
  return copy;
}

/** Sets `value` at a dotted path, creating objects (without a prototype) on the way. */
export function setPath(target: Options, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  for (const key of keys) refusePrototypeKey(key, dotted);
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (!isRecord(node[key]) || !Object.hasOwn(node, key)) node[key] = emptyOptions();
    node = node[key] as Options;
  }
  node[keys[keys.length - 1]!] = value;
}

function leafPaths(value: Options, prefix: string, out: string[]): string[] {
  for (const [key, v] of Object.entries(value)) {
    const p = prefix ? `${prefix}.${key}` : key;
    if (isRecord(v)) leafPaths(v, p, out);
    else out.push(p);
  }
  return out;
}

function mergeInto(
  target: Options,
  source: Options,
  atPath: string,
  onReplace: (path: string) => void,
): void {
  for (const [key, value] of Object.entries(source)) {
    const p = atPath ? `${atPath}.${key}` : key;
    refusePrototypeKey(key, p);
    const existing = Object.hasOwn(target, key) ? target[key] : undefined;
    // A backend of another type shares none of the lower layer's settings.
    const typeChanged =
      isRecord(existing) &&
      isRecord(value) &&
      value.type !== undefined &&
      existing.type !== undefined &&
      value.type !== existing.type;
    if (isRecord(existing) && isRecord(value) && !typeChanged) {
      mergeInto(existing, value, p, onReplace);
    } else {
      if (typeChanged) onReplace(p);
      target[key] = copyOptions(value, p);
    }
  }
}

/** Merges layers, lowest precedence first. */
export function mergeLayers(layers: readonly Layer[]): MergedOptions {
  const options = emptyOptions();
  const sources = new Map<string, string>();
  for (const layer of layers) {
    mergeInto(options, layer.values, '', (replaced) => {
      for (const p of [...sources.keys()])
        if (p === replaced || p.startsWith(`${replaced}.`)) sources.delete(p);
    });
    for (const p of leafPaths(layer.values, '', [])) sources.set(p, layer.sources?.get(p) ?? layer.source);
  }
  return { options, sources };
}

/** Converts a flag or environment string to the key's kind; an error message when it cannot. */
export function convertValue(key: ConfigKey, raw: string): { value: unknown } | { error: string } {
  const text = raw.trim();
  switch (key.kind) {
    case 'int': {
      const n = Number(text);
      return text !== '' && Number.isInteger(n)
        ? { value: n }
        : { error: `expected an integer, got '${raw}'` };
    }
    case 'number': {
      const n = Number(text);
      return text !== '' && Number.isFinite(n) ? { value: n } : { error: `expected a number, got '${raw}'` };
    }
    case 'duration': {
      const d = parseDurationMs(text);
      return 'error' in d ? d : { value: text };
    }
    case 'boolean': {
      const word = text.toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(word)) return { value: true };
      if (['false', '0', 'no', 'off'].includes(word)) return { value: false };
      return { error: `expected true or false, got '${raw}'` };
    }
    default:
      return text === '' ? { error: 'expected a value, got an empty string' } : { value: text };
  }
}

/** The environment's layer: every `OBIFAAS_*` variable of the key table that is set. */
export function layerFromEnv(env: NodeJS.ProcessEnv, issues: Issue[]): Layer {
  const values = emptyOptions();
  const sources = new Map<string, string>();
  for (const key of CONFIG_KEYS) {
    const raw = key.env ? env[key.env] : undefined;
    if (raw === undefined || raw === '') continue;
    const converted = convertValue(key, raw);
    if ('error' in converted) issues.push({ path: `${key.env} (environment)`, message: converted.error });
    else {
      setPath(values, key.path, converted.value);
      sources.set(key.path, `environment ${key.env}`);
    }
  }
  return { source: 'environment', values, sources };
}

/**
 * The flags' layer, from commander's parsed options (attribute names such as `maxConcurrency`).
 * Values may be strings (converted here) or already numbers.
 */
export function layerFromFlags(flagValues: Record<string, unknown>, issues: Issue[]): Layer {
  const values = emptyOptions();
  const sources = new Map<string, string>();
  for (const key of CONFIG_KEYS) {
    if (!key.flag) continue;
    const raw = flagValues[flagAttribute(key.flag)];
    if (raw === undefined) continue;
    const converted = typeof raw === 'string' ? convertValue(key, raw) : { value: raw };
    if ('error' in converted) issues.push({ path: key.flag, message: converted.error });
    else {
      setPath(values, key.path, converted.value);
      sources.set(key.path, key.flag);
    }
  }
  return { source: 'flags', values, sources };
}

/** Adds "(from --workers)" to issues about fields whose value came from a known source. */
export function annotateIssues(issues: readonly Issue[], sources: ReadonlyMap<string, string>): Issue[] {
  return issues.map((issue) => {
    const source = sources.get(issue.path);
    return source ? { ...issue, path: `${issue.path} (from ${source})` } : issue;
  });
}
