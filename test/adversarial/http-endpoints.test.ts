/**
 * One dead function URL among healthy ones must not cost a job anything: the URL that refuses
 * connections leaves the rotation and its splits run on the others, in static and dynamic mode
 * (`obifaas run --backend http`, real `serve-function` processes). When every URL dies mid-job,
 * the job stops, and keeps every result it already has: each input still has exactly one line.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../src/dataset/generate.js';
import {
  startFunctionServerProcess,
  stopFunctionServerProcess,
  type FunctionServerProcess,
} from '../support/function-servers.js';
import { runCli } from '../support/run-cli.js';
import { hostileWorld, type HostileWorld } from './support/hostile-world.js';
import { closedPort } from '../support/closed-port.js';

const INPUTS = 96;
let world: HostileWorld;
let manifest: string;
let keys: string[];
let servers: FunctionServerProcess[] = [];

async function startServers(count: number): Promise<FunctionServerProcess[]> {
  const root = path.dirname(manifest);
  return Promise.all(
    Array.from({ length: count }, () =>
      startFunctionServerProcess(['--allow-read', root, '--allow-read', world.model], {
        OBIFAAS_FUNCTION_TOKEN: '',
      }),
    ),
  );
}

interface Line {
  key: string;
  top: unknown[] | null;
  error: string | null;
}

async function resultLines(out: string): Promise<Line[]> {
  const text = await fs.readFile(path.join(out, 'results.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Line);
}

function expectEveryInputOnce(lines: Line[]): void {
  expect(lines.map((l) => l.key).sort()).toEqual([...keys].sort());
}

beforeAll(async () => {
  world = await hostileWorld('endpoints');
  const data = await generateDataset({ count: INPUTS, outDir: path.join(world.dir, 'many'), seed: 3 });
  manifest = data.manifestPath;
  keys = data.keys;
  servers = await startServers(2);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => stopFunctionServerProcess(s)));
  await world?.close();
});

const run = (urls: string[], out: string, extra: string[] = []) =>
  runCli(
    [
      'run',
      '--backend',
      'http',
      '--url',
      urls.join(','),
      '--input',
      manifest,
      '--model',
      world.model,
      '--split-size',
      '8',
      '--top-k',
      '1',
      '--out',
      out,
      '--json',
      '--no-report',
      ...extra,
    ],
    { OBIFAAS_FUNCTION_TOKEN: '' },
  );

describe('a dead URL among healthy ones', () => {
  it.each([
    ['static', []],
    ['dynamic', ['--mode', 'dynamic']],
  ])('%s: every input classified, exit 0', async (mode, extra) => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const out = path.join(world.dir, `one-dead-${mode}`);
    const result = await run([servers[0]!.url, dead, servers[1]!.url], out, extra);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout.trim().split('\n').pop()!)).toMatchObject({
      status: 'completed',
      inputs: INPUTS,
      ok: INPUTS,
      errors: 0,
    });
    const lines = await resultLines(out);
    expectEveryInputOnce(lines);
    expect(lines.every((l) => l.error === null)).toBe(true);
  });
});

describe('every URL dead', () => {
  it('fails at once with a message naming the URLs, one error line per input', async () => {
    const dead = [`http://127.0.0.1:${await closedPort()}`, `http://127.0.0.1:${await closedPort()}`];
    const out = path.join(world.dir, 'all-dead');
    const result = await run(dead, out);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/no function URL is left to run the invocation/);
    const lines = await resultLines(out);
    expectEveryInputOnce(lines);
  });

  it('when they die mid-job: stops, keeping every result it already has', async () => {
    const doomed = await startServers(2);
    const out = path.join(world.dir, 'die-mid-job');
    // Slow splits, so that the job is still running when the functions go away.
    const running = run(
      doomed.map((s) => s.url),
      out,
      ['--delay-percent', '100', '--delay-max', '400ms', '--fault-seed', '1'],
    );
    let before: Line[] = [];
    for (let i = 0; i < 2_000 && before.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 25));
      before = await resultLines(out);
    }
    expect(before.length).toBeGreaterThan(0);
    for (const s of doomed) s.child.kill('SIGKILL');
    const result = await running;
    expect(result.code, result.stderr).toBe(1);
    const lines = await resultLines(out);
    expectEveryInputOnce(lines);
    const ok = new Set(lines.filter((l) => l.error === null).map((l) => l.key));
    // Every result the job had before the functions died is kept.
    for (const l of before.filter((b) => b.error === null)) expect(ok.has(l.key)).toBe(true);
    expect(lines.some((l) => /no function URL is left/.test(l.error ?? ''))).toBe(true);
  });
});
