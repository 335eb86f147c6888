/**
 * Broken and hostile inputs through the real CLI: FIFOs where files belong (a config, a labels
 * file, a manifest, a key) are refused at once, never waited on; symbolic links out of the
 * input root are no inputs; a key over 1,024 bytes is refused naming the manifest line; keys the
 * manifest reader would change (starting with `#`, with leading spaces) survive `dataset
 * manifest` and `run`. User mistakes exit 2 with one line naming the file; every input of a
 * job that runs ends with exactly one result line.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRefusal } from '../support/cli-refusal.js';
import { obifaas } from '../support/obifaas-cli.js';
import { runCli } from '../support/run-cli.js';
import { hostileWorld, type HostileWorld } from './support/hostile-world.js';

let world: HostileWorld;
let fifo: string;

beforeAll(async () => {
  world = await hostileWorld('inputs');
  fifo = path.join(world.dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
});

afterAll(async () => {
  await world?.close();
});

interface Line {
  key: string;
  top: unknown[] | null;
  error: string | null;
}

async function lines(out: string): Promise<Line[]> {
  return (await fs.readFile(path.join(out, 'results.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);
}

const job = (out: string, ...extra: string[]) => [
  'run',
  '--model',
  world.model,
  '--workers',
  '1',
  '--top-k',
  '1',
  '--out',
  path.join(world.dir, out),
  '--no-report',
  ...extra,
];

describe('FIFOs where a file belongs', () => {
  it.each([
    [
      '--config',
      () => ['run', '--config', fifo],
      /--config .*fifo: cannot read the config file \(it is a FIFO/,
    ],
    [
      '--labels',
      () => job('labels-fifo', '--input', world.manifest, '--labels', fifo),
      /labels file .*fifo is a FIFO/,
    ],
    [
      '--input',
      () => job('input-fifo', '--input', fifo),
      /input '.*fifo' is neither a manifest file nor a folder/,
    ],
    ['a trace', () => ['trace', 'check', fifo], /fifo: cannot read the trace: it is a FIFO/],
    ['a model to inspect', () => ['model', 'inspect', fifo], /model .*fifo is a FIFO/],
  ])('%s: refused at once, exit 2', async (_flag, args, message) => {
    const run = await runCli(args(), {}, 60_000);
    expectRefusal(run, message);
  });

  it('a FIFO as a key: that input gets an error line, the job goes on', async () => {
    const manifest = path.join(world.root, 'with-fifo.txt');
    await fs.writeFile(manifest, `${world.keys[0]}\npipe.jpg\n${world.keys[1]}\n`);
    const run = await runCli(job('key-fifo', '--input', manifest), {}, 120_000);
    expect(run.code, run.stderr).toBe(0);
    const results = await lines(path.join(world.dir, 'key-fifo'));
    expect(results.map((l) => l.key).sort()).toEqual([world.keys[0], 'pipe.jpg', world.keys[1]].sort());
    expect(results.find((l) => l.key === 'pipe.jpg')?.error).toMatch(/FIFO/);
  });
});

describe('SIGTERM with a FIFO among the keys', () => {
  it('still cancels the job: exit 130, one line per input', async () => {
    const manifest = path.join(world.root, 'fifo-then-term.txt');
    const keys = ['pipe.jpg', ...world.keys];
    await fs.writeFile(manifest, `${keys.join('\n')}\n`);
    const out = path.join(world.dir, 'fifo-term');
    const args = ['run', '--input', manifest, '--model', world.model, '--workers', String(keys.length)];
    const run = await obifaas([...args, '--max-concurrency', '1', '--out', out, '--no-report'], {
      cwd: world.dir,
      env: { OBIFAAS_DELAY_PERCENT: '100', OBIFAAS_DELAY_MAX: '2s' },
      onSpawn: (child: ChildProcess) => {
        const poll = setInterval(() => {
          fs.access(path.join(out, 'workers.log')).then(
            () => {
              clearInterval(poll);
              child.kill('SIGTERM');
            },
            () => undefined,
          );
        }, 50);
        child.once('close', () => clearInterval(poll));
      },
    });
    expect(run.code, run.stderr).toBe(130);
    expect((await lines(out)).map((l) => l.key).sort()).toEqual([...keys].sort());
  });
});

describe('symbolic links out of the input root', () => {
  it("a manifest naming them: each is that input's error, and the canary never appears", async () => {
    const manifest = path.join(world.root, 'with-links.txt');
    await fs.writeFile(manifest, `${world.keys[0]}\nleak.jpg\nup/canary.txt\n`);
    const run = await runCli(job('links', '--input', manifest), {}, 120_000);
    expect(run.code, run.stderr).toBe(0);
    const results = await lines(path.join(world.dir, 'links'));
    expect(results.map((l) => l.key).sort()).toEqual([world.keys[0], 'leak.jpg', 'up/canary.txt'].sort());
    for (const key of ['leak.jpg', 'up/canary.txt'])
      expect(results.find((l) => l.key === key)?.error).toMatch(/leads out of/);
    const folder = path.join(world.dir, 'links');
    for (const file of await fs.readdir(folder))
      expect(await fs.readFile(path.join(folder, file), 'utf8'), file).not.toContain(world.canary);
  });

  it('a folder input does not list them', async () => {
    const run = await runCli(job('folder', '--input', world.root, '--json'), {}, 120_000);
    expect(run.code, run.stderr).toBe(0);
    const results = await lines(path.join(world.dir, 'folder'));
    expect(results.map((l) => l.key).sort()).toEqual([...world.keys].sort());
  });
});

describe('keys', () => {
  it('refuses a 1 MB key naming the manifest line, in one short line', async () => {
    const manifest = path.join(world.root, 'huge-key.txt');
    await fs.writeFile(manifest, `${world.keys[0]}\n${'k'.repeat(1_048_576)}.jpg\n`);
    const run = await runCli(job('huge-key', '--input', manifest), {}, 60_000);
    expectRefusal(
      run,
      /huge-key\.txt:2: key 'k{100}\.\.\. \(1048580 characters\)' is not usable: a key must be at most 1024 bytes/,
    );
    expect(run.stderr.length).toBeLessThan(1_000);
  });

  it('round-trips keys starting with # or spaces through `dataset manifest` and `run`', async () => {
    const folder = path.join(world.dir, 'odd-names');
    await fs.mkdir(folder);
    const names = ['#hash.jpg', ' lead.jpg', '  two.jpg', 'plain.jpg'];
    const image = await fs.readFile(path.join(world.root, world.keys[0] as string));
    for (const name of names) await fs.writeFile(path.join(folder, name), image);
    const made = await runCli(['dataset', 'manifest', folder], {}, 60_000);
    expect(made.code, made.stderr).toBe(0);
    const run = await runCli(job('odd-names-job', '--input', path.join(folder, 'manifest.txt')), {}, 120_000);
    expect(run.code, run.stderr).toBe(0);
    const results = await lines(path.join(world.dir, 'odd-names-job'));
    expect(results.map((l) => l.key).sort()).toEqual([...names].sort());
    expect(results.every((l) => l.error === null)).toBe(true);
  });
});

// Node's recursive mkdir loops forever, at full CPU, on a path under /proc (the parent exists
// and refuses new entries): such a folder is refused, naming it, at once.
describe.runIf(process.platform === 'linux')('folders that cannot be created', () => {
  it.each([
    [
      'OBIFAAS_HOME',
      () => [
        'run',
        '--model',
        'tiny',
        '--input',
        world.manifest,
        '--out',
        path.join(world.dir, 'home-proc'),
        '--no-report',
      ],
      { OBIFAAS_HOME: '/proc/obifaas-x' },
    ],
    ['--out', () => job('unused', '--input', world.manifest, '--out', '/proc/obifaas-x/out'), {}],
  ])('%s under /proc: refused at once, exit 2', async (_what, args, env: NodeJS.ProcessEnv) => {
    const run = await runCli(args(), env, 60_000);
    expect(run.signal, 'the run had to be killed').toBeNull();
    expectRefusal(run, /cannot create folder '\/proc\/obifaas-x.*': '\/proc' does not accept new folders/);
  });
});
