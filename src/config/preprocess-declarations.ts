/**
 * The preprocessing each source of job options declares (`--preprocess`, a config file's
 * `preprocess:` section, `--preprocess-file`, the environment), highest precedence first, with
 * where each was written. A preprocessing file is read here, at the edge, and checked with the
 * one preprocessing schema; its problems name the file and the line.
 */
import path from 'node:path';
import { MAX_LISTED_ISSUES, SpecError } from '../errors.js';
import { preprocessSpecSchema, type PreprocessSpec } from '../protocol/preprocess.js';
import type { PreprocessDeclaration } from '../protocol/preprocess-resolve.js';
import { inlineSpec, type PreprocessOptions } from '../spec/preprocess-options.js';
import { readTextFile } from '../util/json-file.js';
import { checkSchema } from '../util/schema.js';
import { lineOfPath, parseYamlText } from './file.js';
import type { Layer } from './layers.js';

/** Reads and checks a preprocessing file (YAML or JSON). */
export async function loadPreprocessFile(file: string, cwd = process.cwd()): Promise<PreprocessSpec> {
  const absolute = path.resolve(cwd, file);
  // A regular file of bounded size (a FIFO is refused at once), read as every file we parse is.
  const text = await readTextFile(absolute, `preprocessing file ${file}`);
  const what = `invalid preprocessing file ${file}`;
  const { doc, lines, value } = parseYamlText(text, what);
  const checked = checkSchema(preprocessSpecSchema, value ?? {});
  if (checked.ok) return checked.data;
  // Each problem with its line, in the order of the file's lines (as a config file's).
  const located = checked.issues
    .map((issue) => ({ issue, line: lineOfPath(doc, lines, issue.path) }))
    .sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER))
    .map(({ issue, line }) =>
      line === undefined ? issue : { ...issue, path: `${issue.path} (line ${line})` },
    );
  throw new SpecError(located, what, MAX_LISTED_ISSUES);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The declarations of `layers` (lowest precedence first, as they are merged), highest first:
 * in each layer, its fields (grouped by the flag or variable that set them) above the content
 * of its preprocessing file.
 */
export async function preprocessDeclarations(
  layers: readonly Layer[],
  cwd = process.cwd(),
): Promise<PreprocessDeclaration[]> {
  const declarations: PreprocessDeclaration[] = [];
  for (const layer of [...layers].reverse()) {
    const section = layer.values.preprocess;
    if (!isRecord(section)) continue;
    const options = section as PreprocessOptions;
    const inline = inlineSpec(options);
    if (inline) {
      const groups = new Map<string, Record<string, unknown>>();
      for (const [key, value] of Object.entries(inline)) {
        const from = layer.sources?.get(`preprocess.${key}`) ?? layer.source;
        groups.set(from, { ...groups.get(from), [key]: value });
      }
      for (const [from, spec] of groups) declarations.push({ from, spec: spec as PreprocessSpec });
    }
    if (typeof options.file === 'string') {
      const from = layer.sources?.get('preprocess.file') ?? layer.source;
      declarations.push({
        from: `${options.file} (${from})`,
        spec: await loadPreprocessFile(options.file, cwd),
      });
    }
  }
  return declarations;
}
