/**
 * Manifests: a text file listing one storage key per line (like the reference's keys file).
 * Blank lines and lines starting with `#` are ignored; keys are trimmed. A line starting with
 * a backslash holds the rest of the line as it is, untrimmed: the writer escapes so every key
 * that the reading rules would change (one starting with `#`, or with spaces at either end), so
 * that what it writes reads back key for key. No key holds a backslash (keys use `/`).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { SpecError, UserError, type Issue } from '../errors.js';
import { keyProblem, shownKey } from '../storage/keys.js';
import { FileRefusal, readRegularFile } from '../util/regular-file.js';
import { makeFolder } from '../util/make-folder.js';

/** Starts a manifest line that holds a key as it is (not trimmed, `#` not a comment). */
const LITERAL = '\\';

/** The key a manifest line holds, or undefined for a blank or comment line. */
function keyOfLine(line: string): string | undefined {
  if (line.startsWith(LITERAL)) return line.endsWith('\r') ? line.slice(1, -1) : line.slice(1);
  const key = line.trim();
  return key === '' || key.startsWith('#') ? undefined : key;
}

/** The manifest line of `key`: the key, escaped when the reading rules would change it. */
function lineOfKey(key: string): string {
  return key.startsWith('#') || key.trim() !== key ? `${LITERAL}${key}` : key;
}

/** The manifest a generated dataset writes next to its `images/` folder. */
export const MANIFEST_FILE_NAME = 'manifest.txt';

/** The largest manifest we read (about 10 million keys); larger ones are refused, not loaded. */
export const MANIFEST_MAX_BYTES = 512 * 1024 * 1024;

/** At most this many problems are listed in one error message. */
const MAX_REPORTED_ISSUES = 20;

/**
 * The keys a manifest lists, in order. Throws `SpecError` listing every bad line as
 * `source:line` (a key with control characters, an invalid key, a duplicate key), or naming
 * `source` alone when the text is not text (it holds NUL bytes).
 */
export function parseManifest(text: string, source: string): string[] {
  // A binary file (an image, a model) would otherwise give a message of garbled lines.
  if (text.includes('\u0000'))
    throw new SpecError(
      [
        {
          path: source,
          message: 'not a text file (it holds NUL bytes); a manifest is UTF-8 text, one key per line',
        },
      ],
      'invalid manifest',
    );
  const keys: string[] = [];
  const firstLineOf = new Map<string, number>();
  const issues: LineIssue[] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNumber = i + 1;
    const key = keyOfLine(lines[i] as string);
    if (key === undefined) continue;
    const problem = lineProblem(key);
    if (problem !== undefined) {
      issues.push({ line: lineNumber, key, message: problem });
      continue;
    }
    const first = firstLineOf.get(key);
    if (first !== undefined) {
      issues.push({
        line: lineNumber,
        key,
        message: `duplicate key '${shownKey(key)}' (first on line ${first})`,
      });
      continue;
    }
    firstLineOf.set(key, lineNumber);
    keys.push(key);
  }
  if (issues.length > 0) {
    const grouped = groupedIssues(issues, source);
    const shown: Issue[] = grouped
      .slice(0, MAX_REPORTED_ISSUES)
      .map(({ path: where, message }) => ({ path: where, message }));
    if (grouped.length > shown.length) {
      const more = grouped.slice(shown.length).reduce((n, g) => n + g.lines, 0);
      shown.push({ path: source, message: `and ${more} more bad lines` });
    }
    // Each issue names the file and the line (`source:line`): the heading does not repeat it.
    throw new SpecError(shown, 'invalid manifest');
  }
  return keys;
}

/** A bad line of a manifest: its number, its key and what is wrong with it. */
interface LineIssue {
  line: number;
  key: string;
  message: string;
}

/** Line numbers listed for a problem that many lines share. */
const LISTED_LINES = 5;

/**
 * The issues as `source:line` issues, those whose message is the same but for their key said
 * once, with the lines they are on: a manifest of 200 absolute paths gets one issue, not 200
 * that fill the message with the same words.
 */
function groupedIssues(issues: readonly LineIssue[], source: string): Array<Issue & { lines: number }> {
  const groups = new Map<string, LineIssue[]>();
  for (const issue of issues) {
    const shape = issue.message.split(shownKey(issue.key)).join('\0');
    groups.set(shape, [...(groups.get(shape) ?? []), issue]);
  }
  return [...groups.values()].map(([first, ...others]) => {
    const { line, message } = first as LineIssue;
    if (others.length === 0) return { path: `${source}:${line}`, message, lines: 1 };
    const listed = others.slice(0, LISTED_LINES).map((o) => o.line);
    const more = others.length > listed.length ? ', ...' : '';
    return {
      path: `${source}:${line}`,
      message: `${message}; the same on ${others.length} more line${others.length === 1 ? '' : 's'} (${listed.join(', ')}${more})`,
      lines: others.length + 1,
    };
  });
}

function lineProblem(key: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key))
    return `key ${JSON.stringify(shownKey(key))} contains control characters`;
  if (key.includes('\uFFFD')) return `key ${JSON.stringify(shownKey(key))} is not valid UTF-8`;
  const problem = keyProblem(key);
  if (problem !== undefined) {
    return `key '${shownKey(key)}' is not usable: ${problem} (keys are relative to the manifest's folder)`;
  }
  return undefined;
}

/** Manifest text for `keys`, with optional header lines written as `# ...` comments. */
export function formatManifest(keys: readonly string[], header: readonly string[] = []): string {
  const lines = header.map((line) => `# ${line}`);
  for (const key of keys) {
    const problem = lineProblem(key);
    if (problem !== undefined) throw new UserError(`cannot write manifest: ${problem}`);
    lines.push(lineOfKey(key));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Reads and parses a manifest file. Throws `UserError` naming the file when it is missing,
 * a folder, too large or unreadable, and `SpecError` for bad lines. May return no keys.
 */
export async function readManifest(file: string): Promise<string[]> {
  let text: string;
  try {
    text = (await readRegularFile(file, { maxBytes: MANIFEST_MAX_BYTES, what: 'manifest' })).toString('utf8');
  } catch (err) {
    if (!(err instanceof FileRefusal)) throw err;
    if (err.reason === 'missing') throw new UserError(`manifest '${file}' does not exist`);
    throw new UserError(`manifest '${file}' ${err.detail}`, { cause: err });
  }
  return parseManifest(text, file);
}

/** Writes a manifest atomically (a temporary file, then a rename); creates the folder. */
export async function writeManifest(
  file: string,
  keys: readonly string[],
  header: readonly string[] = [],
): Promise<void> {
  const text = formatManifest(keys, header);
  const dir = path.dirname(path.resolve(file));
  const temp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await makeFolder(dir);
    await fs.writeFile(temp, text, 'utf8');
    await fs.rename(temp, file);
  } catch (err) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw new UserError(`cannot write manifest '${file}': ${(err as Error).message}`, { cause: err });
  }
}
