/**
 * Config files (YAML or JSON; JSON is read by the same YAML 1.2 parser): parse errors and
 * schema problems name the file and the line. Relative paths in a file (every setting the schema
 * marks as a path, the model's path and a folder store's root) are relative to the file's folder.
 */
import path from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { SpecError, UserError, type Issue } from '../errors.js';
import { isModelPath, isUri, validateJobOptions } from '../spec/compile.js';
import { prototypeKeyIssues } from '../util/schema.js';
import { CONFIG_KEYS } from './keys.js';
import type { Layer, Options } from './layers.js';
import { FileRefusal, readRegularFile } from '../util/regular-file.js';

/** The largest config file read (a config is a few hundred bytes; this refuses a wrong file early). */
export const MAX_CONFIG_FILE_BYTES = 4 * 1024 * 1024;

/** Line (1-based) of the key at a dotted path, or of the nearest parent found. */
export function lineOfPath(doc: Document, lines: LineCounter, dotted: string): number | undefined {
  let node: unknown = doc.contents;
  let line: number | undefined;
  for (const key of dotted.split('.')) {
    if (!isMap(node)) break;
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
    if (!pair) break;
    const start = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
    if (start !== undefined) line = lines.linePos(start).line;
    node = pair.value;
  }
  return line;
}

/** The dotted paths of the settings whose value is a file or folder (`kind: 'path'` in the schema). */
const PATH_KEYS = CONFIG_KEYS.filter((k) => k.kind === 'path').map((k) => k.path.split('.'));

function resolveRelative(values: Options, dir: string): void {
  const resolve = (v: unknown): unknown => (typeof v === 'string' && !isUri(v) ? path.resolve(dir, v) : v);
  for (const keys of PATH_KEYS) {
    const last = keys[keys.length - 1]!;
    let parent: unknown = values;
    for (const key of keys.slice(0, -1))
      parent = typeof parent === 'object' && parent !== null ? (parent as Options)[key] : undefined;
    if (typeof parent === 'object' && parent !== null && Object.hasOwn(parent, last)) {
      const holder = parent as Options;
      holder[last] = resolve(holder[last]);
    }
  }
  if (typeof values.model === 'string' && isModelPath(values.model)) values.model = resolve(values.model);
  const storage = values.storage as Options | undefined;
  if (storage && typeof storage === 'object' && storage.type === 'fs') storage.root = resolve(storage.root);
}

/** A config file's settings, and the problems of its values, not thrown. */
export interface CheckedConfig {
  layer: Layer;
  /** Every problem of the file's values (paths as the job options schema names them), with its line. */
  problems: Array<{ issue: Issue; line?: number }>;
  /** The line of the key at a dotted path (or of its nearest parent), for problems found later. */
  lineOf?: (dotted: string) => number | undefined;
}

/** A config file's problems, each located `path (line N)`, or `path (FILE, line N)` given `file`. */
export function configIssues(checked: CheckedConfig, file?: string): Issue[] {
  // In the order of the file's lines, as its reader fixes them (a problem with no line last).
  const byLine = [...checked.problems].sort(
    (a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER),
  );
  return byLine.map(({ issue, line }) => {
    const where = [file, line === undefined ? undefined : `line ${line}`].filter((w) => w !== undefined);
    return where.length > 0 ? { ...issue, path: `${issue.path} (${where.join(', ')})` } : issue;
  });
}

/**
 * A YAML (or JSON) document and its value. Throws {@link SpecError} (`what` starts its message)
 * for a syntax error, for an alias inside the value it names (a value that holds itself, which
 * no setting is, and whose walk would never end), and for aliases that expand past the parser's
 * limit; each located by line and column.
 */
export function parseYamlText(
  text: string,
  what: string,
): { doc: Document; lines: LineCounter; value: unknown } {
  const lines = new LineCounter();
  // No warnings on stderr (a key that is a collection): such a key is an unknown setting.
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: true,
    logLevel: 'error',
  });
  const refuse = (offset: number, message: string): SpecError => {
    const pos = lines.linePos(offset);
    return new SpecError([{ path: `line ${pos.line}, column ${pos.col}`, message }], what);
  };
  // The first syntax error is the one to fix; later ones are usually its echoes.
  const first = doc.errors[0];
  if (first) throw refuse(first.pos[0], first.message.split('\n')[0] ?? first.message);
  visit(doc, {
    Alias(_key, alias, ancestors) {
      const target = alias.resolve(doc);
      if (target && ancestors.includes(target))
        throw refuse(alias.range?.[0] ?? 0, `alias *${alias.source} refers to a value that holds it`);
    },
  });
  try {
    return { doc, lines, value: doc.toJS() };
  } catch (err) {
    // The parser's limit on alias expansion (a few aliases can stand for an exponential value).
    throw refuse(0, (err as Error).message);
  }
}

/**
 * Parses config text and checks its values. Throws {@link SpecError} naming `displayName` for
 * text that is not YAML or JSON, that is not a mapping, or that holds a prototype key (nothing
 * of such a file is used); returns every other problem with the values.
 */
export function checkConfigText(text: string, displayName: string, dir: string): CheckedConfig {
  const what = `invalid config file ${displayName}`;
  const { doc, lines, value: values } = parseYamlText(text, what);
  if (values === null || values === undefined)
    return { layer: { source: displayName, values: {} }, problems: [] };
  if (typeof values !== 'object' || Array.isArray(values)) {
    throw new SpecError(
      [{ path: '(top level)', message: 'expected a mapping of settings (key: value)' }],
      what,
    );
  }
  const locate = (issue: Issue): { issue: Issue; line?: number } => {
    const line = lineOfPath(doc, lines, issue.path);
    return line === undefined ? { issue } : { issue, line };
  };
  const refused = prototypeKeyIssues(values);
  if (refused.length > 0)
    throw new SpecError(
      configIssues({ layer: { source: displayName, values: {} }, problems: refused.map(locate) }),
      what,
    );
  const problems = validateJobOptions(values).map(locate);
  const options = values as Options;
  resolveRelative(options, dir);
  const lineOf = (dotted: string): number | undefined => lineOfPath(doc, lines, dotted);
  return { layer: { source: displayName, values: options }, problems, lineOf };
}

/** Parses config text; throws {@link SpecError} naming `displayName` and lines. */
export function parseConfigText(text: string, displayName: string, dir: string): Layer {
  const checked = checkConfigText(text, displayName, dir);
  if (checked.problems.length > 0)
    throw new SpecError(configIssues(checked), `invalid config file ${displayName}`);
  return checked.layer;
}

/**
 * Reads a config file and checks its values (see {@link checkConfigText}). `givenBy` names where
 * the file's name came from in messages: `--config`, or the environment variable.
 */
export async function readConfigFile(
  file: string,
  cwd = process.cwd(),
  givenBy = '--config',
): Promise<CheckedConfig> {
  const absolute = path.resolve(cwd, file);
  let text: string;
  try {
    text = (
      await readRegularFile(absolute, { maxBytes: MAX_CONFIG_FILE_BYTES, what: 'config file' })
    ).toString('utf8');
  } catch (err) {
    if (!(err instanceof FileRefusal)) throw err;
    const why = err.reason === 'missing' ? 'no such file' : err.detail.replace(/^is /, 'it is ');
    throw new UserError(`${givenBy} ${file}: cannot read the config file (${why})`, { cause: err });
  }
  return checkConfigText(text, file, path.dirname(absolute));
}

/** Reads and checks a config file. Throws {@link UserError} when it cannot be read or is invalid. */
export async function loadConfigFile(
  file: string,
  cwd = process.cwd(),
  givenBy = '--config',
): Promise<Layer> {
  const checked = await readConfigFile(file, cwd, givenBy);
  if (checked.problems.length > 0) throw new SpecError(configIssues(checked), `invalid config file ${file}`);
  return checked.layer;
}
