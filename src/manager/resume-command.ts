/**
 * The command that finishes a stopped job, as every message that advises it shows it: the
 * job's target (its output folder, or the `s3://` prefix of a job with an S3 output, never its
 * staging folder) quoted for the shell.
 */
import type { ResolvedJobSpec } from '../spec/types.js';
import type { JobSummary, SplitRecord } from './types.js';

/** Characters a terminal or a one-line message would not show as they are (see util/one-line.ts). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const NAMED_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * `text` as one shell word that pastes back as `text`: as it is when it is plain; in single quotes
 * when it holds other characters; and in ANSI-C quotes (`$'...'`, bash, zsh and POSIX sh 2024)
 * with escapes when it holds a control character (a newline, a tab, a direction override), which
 * a message would otherwise print escaped or break the line on. A word that would start with `-`
 * (read as an option) starts with `./`.
 */
export function shellWord(text: string): string {
  if (text.startsWith('-')) text = `./${text}`;
  if (/^[\w@%+=:,./-]+$/.test(text)) return text;
  if (!UNPRINTABLE.test(text)) return `'${text.replace(/'/g, `'\\''`)}'`;
  const escaped = [...text].map((c) => {
    if (c === '\\' || c === "'") return `\\${c}`;
    if (!UNPRINTABLE.test(c)) return c;
    if (NAMED_ESCAPES[c]) return NAMED_ESCAPES[c];
    const code = c.charCodeAt(0);
    return code < 0x80
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  return `$'${escaped.join('')}'`;
}

/**
 * `obifaas run --resume TARGET`, TARGET quoted for the shell. `target`: the job's output folder,
 * or the `s3://` prefix of a job with an S3 output ({@link resumeTargetOf}).
 */
export function resumeCommand(target: string): string {
  return `obifaas run --resume ${shellWord(target)}`;
}

/** What `--resume` is given to finish the job of `spec`: its `s3://` output, else its folder. */
export function resumeTargetOf(spec: Pick<ResolvedJobSpec, 'outDir' | 'uploadTo'>): string {
  return spec.uploadTo?.uri ?? spec.outDir;
}

/**
 * How many of a job's inputs a `--resume` would run again: those of the splits that no run
 * finished (a stopped or cancelled job gave them a line with its reason, which a resume drops).
 */
export function unfinishedInputs(record: {
  splits: readonly Pick<SplitRecord, 'inputs' | 'status'>[];
  summary: Pick<JobSummary, 'inputs'>;
}): number {
  const finished = record.splits.reduce((n, split) => n + (split.status === 'done' ? split.inputs : 0), 0);
  return Math.max(0, record.summary.inputs - finished);
}
