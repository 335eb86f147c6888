/**
 * Reading a file of sampled jobs for `cpr fit` (pure: it takes the text), in either layout:
 *
 * - ours, `samples.jsonl` as `cpr sample` writes it: one JSON object per line (see
 *   `cpr-records.ts`);
 * - the reference's sampling output (its `summary.json`): one JSON array of jobs, each an object
 *   with `num_images`, `num_task_managers` (workers), `duration_function` (function seconds
 *   summed over the workers, init excluded, as Lambda reports Duration apart from Init
 *   Duration), `duration_init` (init seconds summed over the workers), `latency` (seconds) and
 *   `cost` (dollars), among other keys, which are left alone. Its jobs carry no memory size: the
 *   caller gives it (the reference sampled at 3008 MB).
 *
 * The layout is told by the first character: `[` is the reference's array, anything else JSON
 * lines. A file that is neither gets one message that says what it looks like and names the
 * first few bad records, however many lines it has.
 */
import * as z from 'zod';
import { SpecError, type Issue } from '../errors.js';
import { parseJsonLines } from '../util/json-lines.js';
import { checkSchema, intRange, numberRange } from '../util/schema.js';
import { cprSampleSchema, type CprSample } from './cpr-records.js';

/** The layouts `cpr fit` reads. */
export type SampleLayout = 'jsonl' | 'reference-array';

/** What each layout is called in messages and reports. */
export const LAYOUT_NAMES: Readonly<Record<SampleLayout, string>> = Object.freeze({
  jsonl: 'JSON lines, one sample per line (cpr sample)',
  'reference-array': "the reference's JSON array of jobs (summary.json)",
});

/** Bad records a message names; the others are counted. */
export const LISTED_BAD_RECORDS = 3;

/** What a samples file held. */
export interface SampleFile {
  layout: SampleLayout;
  samples: CprSample[];
  /** Facts the reader had to assume (e.g. the memory size), for the report. */
  notes: string[];
}

/** Options of {@link parseSampleFile}. */
export interface SampleFileOptions {
  /** The file, for messages. */
  source: string;
  /** Memory size of the reference's jobs, which carry none (MB). */
  memoryMb: number;
  /** Whether `memoryMb` was given by the user (else it is the reference's, and a note says so). */
  memoryGiven?: boolean;
}

const positive = numberRange({ min: 0, exclusive: true });

/** One job of the reference's sampling output (other keys are the reference's own). */
export const referenceJobSchema = z.looseObject({
  num_images: intRange(1),
  num_task_managers: intRange(1),
  duration_function: positive,
  duration_init: positive,
  latency: positive,
  cost: numberRange({ min: 0 }),
});

const EXPECTED = `expected ${LAYOUT_NAMES.jsonl}, or ${LAYOUT_NAMES['reference-array']}`;

function clip(text: string, length = 60): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > length ? `${flat.slice(0, length)}...` : flat;
}

/** A short description of a text: its size, its first line, and a guess at what it is. */
export function describeText(text: string): string {
  if (text.trim() === '') return 'empty';
  const lines = text.split('\n');
  const count = lines.length - (text.endsWith('\n') ? 1 : 0);
  const head = (lines.find((l) => l.trim() !== '') ?? '').trim();
  let guess = 'text';
  if (head.startsWith('{') && count > 1 && !isJson(head)) guess = 'a JSON object spread over several lines';
  else if (head.startsWith('{')) guess = 'JSON lines';
  else if (head.includes(',') || head.includes('\t')) guess = 'comma- or tab-separated values';
  return `${count} line${count === 1 ? '' : 's'} of ${guess}, starting \`${clip(head)}\``;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * One message for a file that is not what `cpr fit` reads: every issue of its first
 * {@link LISTED_BAD_RECORDS} bad records (`record` tells an issue's record), the others counted.
 */
function refuse(
  source: string,
  summary: string,
  issues: Issue[],
  record: (i: Issue) => string = (i) => i.path,
): never {
  const first = [...new Set(issues.map(record))].slice(0, LISTED_BAD_RECORDS);
  const listed = issues.filter((i) => first.includes(record(i))).length;
  throw new SpecError(issues, `${source}: ${summary}`, listed);
}

function readReferenceArray(text: string, options: SampleFileOptions): SampleFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    refuse(
      options.source,
      `starts like a JSON array but is not valid JSON (${describeText(text)})`,
      [{ path: 'JSON', message: reason }],
      (i) => i.path,
    );
  }
  const jobs = json as unknown[];
  const samples: CprSample[] = [];
  const issues: Issue[] = [];
  let bad = 0;
  jobs.forEach((job, i) => {
    const checked = checkSchema(referenceJobSchema, job);
    if (!checked.ok) {
      bad++;
      for (const issue of checked.issues)
        issues.push({
          path: issue.path === '(top level)' ? `[${i}]` : `[${i}].${issue.path}`,
          message: issue.message,
        });
      return;
    }
    const j = checked.data;
    samples.push({
      images: j.num_images,
      workers: j.num_task_managers,
      computeSeconds: j.duration_function,
      initSeconds: j.duration_init,
      latencySeconds: j.latency,
      costUsd: j.cost,
      memoryMb: options.memoryMb,
    });
  });
  if (bad > 0)
    refuse(
      options.source,
      `read as ${LAYOUT_NAMES['reference-array']}: ${bad} of ${jobs.length} jobs are bad`,
      issues,
      (i) => i.path.split('.')[0]!,
    );
  const notes = options.memoryGiven
    ? []
    : [
        `the reference's jobs carry no memory size: taken as ${options.memoryMb} MB (give --memory to change it)`,
      ];
  return { layout: 'reference-array', samples, notes };
}

/**
 * The samples of a file in either layout. Throws one {@link SpecError} for a file that is
 * neither, or has bad records: what the file looks like, how it was read, the first
 * {@link LISTED_BAD_RECORDS} problems and how many more there are.
 */
export function parseSampleFile(text: string, options: SampleFileOptions): SampleFile {
  const head = text.trimStart();
  if (head.startsWith('[')) return readReferenceArray(text, options);
  let content;
  try {
    content = parseJsonLines(text, cprSampleSchema, { source: options.source });
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    // Paths are `FILE:LINE` or `FILE:LINE: field`.
    const line = (i: Issue): string => i.path.slice(options.source.length + 1).split(':')[0]!;
    const lines = new Set(err.issues.map(line)).size;
    const notJson = err.issues.filter((i) => i.message === 'not valid JSON').length;
    // Lines that are not JSON mean another layout altogether: say what the file looks like.
    const look = notJson > 0 ? `; the file is ${describeText(text)}; ${EXPECTED}` : '';
    refuse(
      options.source,
      `read as JSON lines, ${lines} line${lines === 1 ? ' is' : 's are'} bad${look}`,
      err.issues,
      line,
    );
  }
  if (content.partial && content.records.length === 0)
    refuse(
      options.source,
      `read as JSON lines, it holds no complete line; the file is ${describeText(text)}; ${EXPECTED}`,
      [{ path: `byte ${content.partial.offset}`, message: 'not valid JSON, and no newline after it' }],
    );
  const notes = content.partial ? [`the last line of ${options.source} is cut off: it was left out`] : [];
  return { layout: 'jsonl', samples: content.records, notes };
}
