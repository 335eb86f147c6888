/**
 * The resume command the CLI advises, for job folders with hostile names: a newline, a tab, a
 * terminal escape, a direction override, `$(...)`, backticks, quotes, unicode, a leading dash.
 * The advice is one line, and pasted into bash as it is printed it runs nothing else and resumes
 * the very folder (the built CLI, an HTTP function on loopback).
 */
import { execFileSync } from 'node:child_process';
import { access, cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset, type GeneratedDataset } from '../../src/dataset/generate.js';
import { BUILT_CLI } from '../support/obifaas-bin.js';
import { obifaas } from '../support/obifaas-cli.js';
import { startErrorKindFunction, type ErrorKindFunction } from './support/error-kind-function.js';

let dir: string;
let dataset: GeneratedDataset;
let fn: ErrorKindFunction;
/** A job whose every split is written and whose job.json is not (it stopped just before). */
let unfinished: string;

const env = (): NodeJS.ProcessEnv => ({ OBIFAAS_HOME: path.join(dir, 'home') });

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-resume-advice-'));
  dataset = await generateDataset({ count: 4, outDir: path.join(dir, 'data'), seed: 3 });
  fn = await startErrorKindFunction();
  unfinished = path.join(dir, 'unfinished');
  const args = fn.runArgs(dataset.manifestPath);
  const run = await obifaas([...args, '--out', unfinished], { cwd: dir, env: env() });
  expect(run.code, run.stderr).toBe(0);
  await rm(path.join(unfinished, 'job.json'));
});

afterAll(async () => {
  await fn.close();
  await rm(dir, { recursive: true, force: true });
});

const NAMES = [
  'new\nline',
  'tab\there',
  'escape\u001b[2Jclear',
  'over\u202eride',
  '$(touch pwned-dollar)',
  '`touch pwned-backtick`',
  `it's "quoted"`,
  'ünïcødé-😀',
  '-rf',
  "\\'; touch pwned-semicolon; '",
];

/** `name` in ASCII, for the test's title. */
const shown = (name: string): string =>
  JSON.stringify(name).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

describe('the resume advice for a folder with a hostile name', () => {
  it.each(NAMES.map((name) => [shown(name), name]))('%s', async (_shown, name) => {
    const folder = path.join(dir, name);
    await cp(unfinished, folder, { recursive: true });
    const args = fn.runArgs(dataset.manifestPath);
    const refused = await obifaas([...args, '--out', folder], { cwd: dir, env: env() });
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    const advice = /finish it with `(obifaas run --resume .*)` or choose another folder/.exec(
      refused.stderr,
    )?.[1];
    expect(advice, refused.stderr).toBeDefined();
    // Pasted into bash as printed, with `obifaas` the built CLI.
    const script = `obifaas() { "${process.execPath}" "${BUILT_CLI}" "$@"; }\n${advice}\n`;
    execFileSync('bash', ['-c', script], { cwd: dir, env: { ...process.env, ...env() }, stdio: 'pipe' });
    const record = JSON.parse(await readFile(path.join(folder, 'job.json'), 'utf8')) as { status: string };
    expect(record.status).toBe('completed');
    for (const pwned of ['pwned-dollar', 'pwned-backtick', 'pwned-semicolon'])
      await expect(access(path.join(dir, pwned))).rejects.toThrow();
  });
});
