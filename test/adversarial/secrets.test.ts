/**
 * Passwords in function URLs (`--url http://user:password@host`) never reach the job folder
 * (job.json, job.spec.json, invocations.jsonl, results.jsonl, splits.jsonl, workers.log,
 * report.html) nor what the CLI prints, in static and dynamic mode, whether the URL works or
 * not. The run warns when a secret would travel in clear text: a dispatcher bound off
 * loopback, credentials sent over http:// off the machine.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startFunctionServerProcess,
  stopFunctionServerProcess,
  type FunctionServerProcess,
} from '../support/function-servers.js';
import { runCli } from '../support/run-cli.js';
import { hostileWorld, type HostileWorld } from './support/hostile-world.js';

const LIVE_PASSWORD = 'live-PASSWORD-4d1f';
const DEAD_PASSWORD = 'dead-PASSWORD-9c2e';
let world: HostileWorld;
let server: FunctionServerProcess;

beforeAll(async () => {
  world = await hostileWorld('secrets');
  server = await startFunctionServerProcess(['--allow-read', world.root, '--allow-read', world.model], {
    OBIFAAS_FUNCTION_TOKEN: '',
  });
});

afterAll(async () => {
  if (server) await stopFunctionServerProcess(server);
  await world?.close();
});

/** Every file of a folder, as text. */
async function folderText(dir: string): Promise<string> {
  const files = await fs.readdir(dir);
  const texts = await Promise.all(files.map((f) => fs.readFile(path.join(dir, f), 'utf8')));
  return texts.join('\n');
}

const liveUrl = (): string => server.url.replace('http://', `http://fn-user:${LIVE_PASSWORD}@`);
const deadUrl = `http://admin:${DEAD_PASSWORD}@fn.invalid:8080`;

describe('credentials in function URLs', () => {
  const offLoopback = ['--mode', 'dynamic', '--dispatcher-host', '0.0.0.0', '--advertise-host', '127.0.0.1'];
  it.each([
    ['static', [], false],
    ['dynamic, dispatcher on 0.0.0.0 over TLS', offLoopback, false],
    ['dynamic, dispatcher on 0.0.0.0 in clear text', [...offLoopback, '--dispatcher-tls', 'off'], true],
  ])('%s: never written nor printed, and the run warns', async (mode, extra, clearTextDispatcher) => {
    const out = path.join(world.dir, `job-${mode.replace(/[^a-z0-9]+/g, '-')}`);
    const run = await runCli(
      [
        'run',
        '--backend',
        'http',
        '--url',
        `${liveUrl()},${deadUrl}`,
        '--input',
        world.manifest,
        '--model',
        world.model,
        '--split-size',
        '2',
        '--out',
        out,
        ...extra,
      ],
      { OBIFAAS_FUNCTION_TOKEN: '' },
      120_000,
    );
    expect(run.code, run.stderr).toBe(0);
    const everything = `${run.stdout}\n${run.stderr}\n${await folderText(out)}`;
    expect(everything).not.toContain(LIVE_PASSWORD);
    expect(everything).not.toContain(DEAD_PASSWORD);
    expect(everything).not.toContain('PRIVATE KEY');
    const record = JSON.parse(await fs.readFile(path.join(out, 'job.json'), 'utf8')) as {
      spec: { backend: { urls: string[] } };
    };
    expect(record.spec.backend.urls).toEqual([
      liveUrl().replace(LIVE_PASSWORD, '***'),
      'http://admin:***@fn.invalid:8080',
    ]);
    expect(run.stderr).toContain(
      "warning: the URL's credentials travel in clear text to http://admin:***@fn.invalid:8080",
    );
    const dispatcherWarning = /warning: the dispatcher listens on 0\.0\.0\.0 without encryption/;
    if (clearTextDispatcher) expect(run.stderr).toMatch(dispatcherWarning);
    else expect(run.stderr).not.toMatch(dispatcherWarning);
  });

  it('a job whose only URL is dead fails naming it, without its password', async () => {
    const out = path.join(world.dir, 'job-dead');
    const run = await runCli(
      [
        'run',
        '--backend',
        'http',
        '--url',
        deadUrl,
        '--input',
        world.manifest,
        '--model',
        world.model,
        '--out',
        out,
      ],
      { OBIFAAS_FUNCTION_TOKEN: '' },
      120_000,
    );
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain('http://admin:***@fn.invalid:8080');
    const everything = `${run.stdout}\n${run.stderr}\n${await folderText(out)}`;
    expect(everything).not.toContain(DEAD_PASSWORD);
  });

  it('a usage error echoing the URL does not print the password', async () => {
    const run = await runCli(
      ['run', '--backend', 'http', '--url', `${deadUrl},not a url`, '--input', world.manifest],
      {},
      60_000,
    );
    expect(run.code).toBe(2);
    expect(`${run.stdout}${run.stderr}`).not.toContain(DEAD_PASSWORD);
  });
});
