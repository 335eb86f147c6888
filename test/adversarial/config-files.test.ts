/**
 * Hostile and broken settings files and flags against the real CLI (child processes): prototype
 * keys at any level of every file we parse (config YAML and JSON, worker settings, simulator
 * profiles, CPR models, search spaces), type names that would reach `Object.prototype`, and
 * many bad values at once. Each is refused with exit 2 and one line naming the file, the line or
 * the key, before anything runs or is written.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRefusal } from '../support/cli-refusal.js';
import { repoRoot } from '../support/function-servers.js';
import { obifaasBin, requireFreshDist } from '../support/obifaas-bin.js';

let dir: string;
let manifest: string;

beforeAll(async () => {
  await requireFreshDist();
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-adv-config-'));
  manifest = path.join(dir, 'manifest.txt');
  await writeFile(manifest, 'a.jpg\nb.jpg\n');
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const cli = (args: string[]) => obifaasBin(args, { cwd: dir, env: { OBIFAAS_HOME: path.join(dir, 'home') } });
const dryRun = (extra: string[]) =>
  cli(['run', '--input', manifest, '--model', 'tiny', '--dry-run', ...extra]);

async function file(name: string, text: string): Promise<string> {
  const full = path.join(dir, name);
  await writeFile(full, text);
  return full;
}

describe('prototype keys and prototype names in config files', () => {
  const cases: Array<[string, string, RegExp]> = [
    [
      'a.yaml',
      'backend:\n  __proto__:\n    polluted: 1\n',
      /invalid config file .*a\.yaml: backend\.__proto__ \(line 2\): the key '__proto__' is refused/,
    ],
    [
      'b.yaml',
      'pipeline:\n  predict:\n    constructor:\n      prototype: 1\n',
      /b\.yaml: pipeline\.predict\.constructor \(line 3\): the key 'constructor' is refused/,
    ],
    ['c.json', '{"prototype": {"x": 1}}', /c\.json: prototype \(line 1\): the key 'prototype' is refused/],
    [
      'd.json',
      '{"backend": {"type": "local", "constructor": {"x": 1}}}',
      /d\.json: backend\.constructor \(line 1\): the key 'constructor' is refused/,
    ],
    [
      'e.json',
      '{"storage": {"type": "constructor"}}',
      /e\.json: storage\.type \(line 1\): expected one of 'fs', 's3', got 'constructor'/,
    ],
    ['f.yaml', 'backend:\n  type: toString\n', /backend\.type.*toString/],
    ['g.yaml', 'mode: __proto__\n', /mode.*__proto__/],
  ];
  it.each(cases)('refuses %s', async (name, text, refusal) => {
    const run = await dryRun(['--config', await file(name, text)]);
    expectRefusal(run, refusal);
    expect(run.stderr).not.toMatch(/TypeError|internal error/);
  });

  it('refuses type names that are prototype members in flags', async () => {
    expectRefusal(
      await dryRun(['--mode', 'constructor']),
      /mode \(from --mode\): unknown mode 'constructor'/,
    );
    expectRefusal(
      await dryRun(['--backend', 'toString']),
      /backend\.type \(from --backend\): unknown backend 'toString'/,
    );
  });

  it('refuses them in the environment config file too', async () => {
    const config = await file('env.yaml', 'backend:\n  __proto__:\n    polluted: 1\n');
    const run = await obifaasBin(['run', '--input', manifest, '--model', 'tiny', '--dry-run'], {
      cwd: dir,
      env: { OBIFAAS_CONFIG: config },
    });
    expectRefusal(run, /env\.yaml: backend\.__proto__ \(line 2\)/);
  });
});

describe('prototype keys in the other files we read', () => {
  it('refuses them in worker settings, profiles, CPR models and search spaces', async () => {
    const profile = JSON.parse(
      await readFile(path.join(repoRoot, 'profiles', 'lambda-resnet50-3008.json'), 'utf8'),
    ) as Record<string, unknown>;
    const profileFile = await file(
      'profile.json',
      JSON.stringify(profile).replace(/}$/, ',"constructor":{"prototype":1}}'),
    );
    const trace = await file('t.csv', 'STARTED,ds_id,n_images_ds\n2024-01-01 00:00:00,a,64\n');
    const refusals: Array<[string[], RegExp]> = [
      [
        [
          'run',
          '--input',
          manifest,
          '--model',
          'tiny',
          '--dry-run',
          '--worker-config',
          await file('w.json', '{"memoryMb": 1024, "__proto__": {"x": 1}}'),
        ],
        /invalid worker config .*w\.json: __proto__: the key '__proto__' is refused/,
      ],
      [
        ['run', '--input', manifest, '--model', 'tiny', '--dry-run', '--profile', profileFile],
        /invalid profile .*profile\.json: constructor: the key 'constructor' is refused/,
      ],
      [
        ['simulate', trace, '--profile', profileFile],
        /invalid profile .*profile\.json: constructor: the key/,
      ],
      [
        [
          'run',
          '--input',
          manifest,
          '--model',
          'tiny',
          '--dry-run',
          '--cpr-model',
          await file('cpr.json', '{"__proto__": {"a": 1}}'),
        ],
        /invalid CPR model .*cpr\.json: __proto__: the key '__proto__' is refused/,
      ],
      [
        [
          'optimize',
          '--space',
          await file('space.json', '{"parameters": {"prototype": {}}}'),
          '--input',
          manifest,
          '--model',
          'tiny',
          '--out',
          path.join(dir, 'opt'),
        ],
        /invalid search space in .*space\.json: parameters\.prototype: the key 'prototype' is refused/,
      ],
    ];
    for (const [args, refusal] of refusals) expectRefusal(await cli(args), refusal);
    // Nothing was written: no optimization folder, no simulation output.
    expect((await readdir(dir)).filter((name) => name === 'opt' || name.startsWith('simulate-'))).toEqual([]);
  });
});

describe('every problem at once', () => {
  it('lists every bad flag value and broken rule, not the first stage only', async () => {
    const run = await dryRun([
      '--workers',
      '0',
      '--split-size',
      'abc',
      '--top-k',
      '-1',
      '--batch-size',
      'x',
      '--memory',
      '1',
      '--timeout',
      'zz',
    ]);
    expectRefusal(run, /^obifaas: invalid job spec: /);
    for (const named of [
      '--split-size',
      '--timeout',
      '--batch-size',
      'workers (from --workers)',
      'topK (from --top-k)',
      'backend.memoryMb (from --memory)',
    ])
      expect(run.stderr).toContain(`${named}: `);
  });

  it("lists a config file's problems, with their lines, beside the flags'", async () => {
    const config = await file(
      'many.yaml',
      'workers: 0\nsplitsize: 3\nbackend:\n  type: local\n  memoryMb: 1\n',
    );
    const run = await dryRun(['--config', config, '--top-k', '-1', '--split-size', 'abc']);
    expectRefusal(run, /^obifaas: invalid job spec: /);
    for (const named of [
      `workers (${config}, line 1)`,
      `splitsize (${config}, line 2): unknown key; did you mean 'splitSize'?`,
      '--split-size: ',
      'topK (from --top-k): ',
      `backend.memoryMb (${config}, line 5): `,
    ])
      expect(run.stderr).toContain(named);
  });
});
