/**
 * Config files (YAML or JSON; JSON is read by the same YAML 1.2 parser): parse errors and
 * schema problems name the file and the line. Relative paths in a file are relative to the
 * file's folder.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { SpecError, UserError, type Issue } from '../errors.js';
import { isModelPath, isUri, validateJobOptions } from '../spec/compile.js';
import type { Layer, Options } from './layers.js';

/** Line (1-based) of the key at a dotted path, or of the nearest parent found. */
function lineOfPath(doc: Document, lines: LineCounter, dotted: string): number | undefined {
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

function resolveRelative(values: Options, dir: string): void {
  const resolve = (v: unknown): unknown => (typeof v === 'string' && !isUri(v) ? path.resolve(dir, v) : v);
  for (const key of ['inputs', 'labels', 'out'] as const)
    if (key in values) values[key] = resolve(values[key]);
  if (typeof values.model === 'string' && isModelPath(values.model)) values.model = resolve(values.model);
  const preprocess = values.preprocess as Options | undefined;
  if (preprocess && typeof preprocess === 'object' && typeof preprocess.file === 'string')
    preprocess.file = resolve(preprocess.file);
  const storage = values.storage as Options | undefined;
  if (storage && typeof storage === 'object' && storage.type === 'fs') storage.root = resolve(storage.root);
}

/** Parses config text; throws {@link SpecError} naming `displayName` and lines. */
export function parseConfigText(text: string, displayName: string, dir: string): Layer {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const what = `invalid config file ${displayName}`;
  if (doc.errors.length > 0) {
    // The first syntax error is the one to fix; later ones are usually its echoes.
    const first = doc.errors[0]!;
    const pos = lines.linePos(first.pos[0]);
    const issues: Issue[] = [
      { path: `line ${pos.line}, column ${pos.col}`, message: first.message.split('\n')[0] ?? first.message },
    ];
    throw new SpecError(issues, what);
  }
  const values: unknown = doc.toJS();
  if (values === null || values === undefined) return { source: displayName, values: {} };
  if (typeof values !== 'object' || Array.isArray(values)) {
    throw new SpecError(
      [{ path: '(top level)', message: 'expected a mapping of settings (key: value)' }],
      what,
    );
  }
  const issues = validateJobOptions(values).map((issue) => {
    const line = lineOfPath(doc, lines, issue.path);
    return line ? { ...issue, path: `${issue.path} (line ${line})` } : issue;
  });
  if (issues.length > 0) throw new SpecError(issues, what);
  const options = values as Options;
  resolveRelative(options, dir);
  return { source: displayName, values: options };
}

/** Reads and checks a config file. Throws {@link UserError} when it cannot be read. */
export async function loadConfigFile(file: string, cwd = process.cwd()): Promise<Layer> {
  const absolute = path.resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : (code ?? 'unreadable');
    throw new UserError(`--config ${file}: cannot read the config file (${why})`, { cause: err });
  }
  return parseConfigText(text, file, path.dirname(absolute));
}
