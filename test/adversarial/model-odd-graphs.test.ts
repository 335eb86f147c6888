/**
 * Odd but legal models against the real job manager (`obifaas run`, a child process): thousands
 * of outputs, a 20 MB metadata value, subgraphs nested deep, and input and output names with a
 * newline, a terminal escape and HTML in them, or 100,000 characters long. A job on each either
 * runs (one result per input; the report escapes the names) or is refused with one short line on
 * stderr that escapes what it quotes; subgraphs nested deeper than the wire-level readers follow
 * are refused as unreadable (their external data could not be checked).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../src/dataset/generate.js';
import { MAX_GRAPH_DEPTH } from '../../src/models/onnx-operators.js';
import { MAX_MESSAGE_CHARS } from '../../src/util/one-line.js';
import { expectRefusal } from '../support/cli-refusal.js';
import { obifaas } from '../support/obifaas-cli.js';
import {
  hostileModel,
  manyOutputsModel,
  namedModel,
  nestedModel,
  ODD_NAME,
} from './support/hostile-models.js';

let dir: string;
let manifest: string;
let count: number;
const LONG = 'o'.repeat(100_000);

const MODELS: Record<string, () => Uint8Array> = {
  many: () => manyOutputsModel(3000),
  metadata: () =>
    hostileModel({
      metadata: [
        { key: 'huge', value: 'x'.repeat(20_000_000) },
        { key: ODD_NAME, value: ODD_NAME },
      ],
    }),
  'odd-output': () => namedModel('input_x', ODD_NAME),
  'odd-input': () => namedModel(ODD_NAME, 'logits_out'),
  long: () => namedModel('i'.repeat(100_000), LONG),
  nested: () => nestedModel(MAX_GRAPH_DEPTH),
  'too-nested': () => nestedModel(MAX_GRAPH_DEPTH + 4),
};

beforeAll(async () => {
  dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-adv-odd-')));
  for (const [name, build] of Object.entries(MODELS))
    await fs.writeFile(path.join(dir, `${name}.onnx`), build());
  const data = await generateDataset({ count: 2, outDir: path.join(dir, 'data'), seed: 9 });
  manifest = data.manifestPath;
  count = data.keys.length;
});
afterAll(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

const cli = (args: string[]) => obifaas(args, { cwd: dir, env: { OBIFAAS_HOME: path.join(dir, 'home') } });
const run = (model: string, extra: string[]) =>
  cli(['run', '--input', manifest, '--model', path.join(dir, `${model}.onnx`), ...extra]);

/** Nothing a terminal would act on: no escape, bell or carriage return. */
const expectNoControls = (text: string): void => {
  for (const c of ['\u0007', '\r', '\u001b']) expect(text).not.toContain(c);
};

describe('a job on an odd model runs, one result per input', () => {
  it.each(['many', 'metadata', 'odd-output', 'odd-input', 'long', 'nested'])('%s', async (model) => {
    const out = path.join(dir, `out-${model}`);
    const done = await run(model, ['--out', out]);
    expect(done.code, done.stderr.slice(0, 2000)).toBe(0);
    expectNoControls(done.stderr);
    const lines = (await fs.readFile(path.join(out, 'results.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(count);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ error: null });
    const report = await fs.readFile(path.join(out, 'report.html'), 'utf8');
    expect(report).not.toContain('<script>alert');
    for (const c of ['\u0007', '\u001b']) expect(report).not.toContain(c);
    // The job record keeps the model's size, not its metadata.
    expect((await fs.stat(path.join(out, 'job.json'))).size).toBeLessThan(1_000_000);
  });
});

describe('a refusal quoting odd names is one short line', () => {
  it('escapes a newline, a terminal escape and HTML in an output name', async () => {
    const refused = await run('odd-output', ['--dry-run', '--output', 'nope']);
    expectRefusal(
      refused,
      /has no output 'nope' \(task classify\); its outputs: 'out\\n\\u001b\[2J\\u001b\[31m<script>/,
    );
    expectNoControls(refused.stderr);
  });

  it('lists 20 of 3001 outputs', async () => {
    const refused = await run('many', ['--dry-run', '--output', 'nope']);
    expectRefusal(refused, /'extra_18' \[batch, 3\], and 2981 more$/);
  });

  it(`cuts a 100,000-character name at ${MAX_MESSAGE_CHARS} characters`, async () => {
    const refused = await run('long', ['--dry-run', '--output', 'nope']);
    expectRefusal(refused, /\.\.\. \(\d+ more characters\)$/);
    expect(refused.stderr.length).toBeLessThan(MAX_MESSAGE_CHARS + 100);
  });

  it(`refuses subgraphs nested over ${MAX_GRAPH_DEPTH} deep as unreadable`, async () => {
    const refused = await run('too-nested', ['--dry-run']);
    expectRefusal(refused, /model .*too-nested\.onnx: not an ONNX model \(.*subgraphs nested over 16 deep\)/);
  });
});
