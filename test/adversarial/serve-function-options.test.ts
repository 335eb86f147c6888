/**
 * `serve-function`'s options for stuck threads and access, given bad values, and what each
 * endpoint answers a request without the token: the built CLI refuses a bad value in one line
 * naming the flag (exit 2) before it listens; without a token, no path answers a request to a
 * host that is not loopback or from a foreign web origin (`/healthz` included: a page that
 * rebinds its DNS name onto 127.0.0.1 would read it); with a token, `/healthz` answers without
 * it (platform probes, as documented) and `/invoke` does not.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRefusal } from '../support/cli-refusal.js';
import {
  startFunctionServerProcess,
  stopFunctionServerProcess,
  type FunctionServerProcess,
} from '../support/function-servers.js';
import { obifaasBin, requireFreshDist } from '../support/obifaas-bin.js';

let dir: string;
let open: FunctionServerProcess;
let guarded: FunctionServerProcess;
const TOKEN = 'tok-serve-options-0123456789';

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-serve-options-'));
  open = await startFunctionServerProcess(['--stuck-after', '2s', '--cores', '2'], {
    OBIFAAS_FUNCTION_TOKEN: '',
  });
  guarded = await startFunctionServerProcess(['--exit-when-stuck'], { OBIFAAS_FUNCTION_TOKEN: TOKEN });
});

afterAll(async () => {
  if (open) await stopFunctionServerProcess(open);
  if (guarded) await stopFunctionServerProcess(guarded);
  await rm(dir, { recursive: true, force: true });
});

describe('serve-function refuses bad option values before it listens', () => {
  it.each([
    [['--stuck-after', '0'], /--stuck-after: expected a duration > 0, got '0'/],
    [['--stuck-after', '-1s'], /--stuck-after: expected a duration such as .*, got '-1s'/],
    [['--stuck-after', '30d'], /--stuck-after: expected a duration such as .*, got '30d'/],
    [['--stuck-after', '600h'], /--stuck-after: expected a duration of at most 24 days, got '600h'/],
    [['--cores', '0'], /--cores: expected an integer >= 1, got '0'/],
    [['--cores', '1.5'], /--cores: expected an integer >= 1, got '1\.5'/],
    [['--cores', '0x10'], /--cores: expected an integer >= 1, got '0x10'/],
    [['--cores', '1e3'], /--cores: expected an integer >= 1, got '1e3'/],
    [['--cores', '9007199254740993'], /--cores: expected an integer of at most 9007199254740991/],
    [['--cores'], /option '--cores <n>' argument missing/],
    [['--exit-when-stuck=yes'], /unknown option '--exit-when-stuck=yes'/],
    [['--token', ''], /--token: empty; give the token, or leave --token out/],
    [['--token', '  '], /--token: empty/],
    [['--host', ''], /--host: empty; give an address/],
  ])('%j', async (args, message) => {
    await requireFreshDist();
    const run = await obifaasBin(['serve-function', '--port', '0', ...args], { cwd: dir, timeoutMs: 30_000 });
    expectRefusal(run, message);
  });
});

interface Answer {
  status: number;
  body: string;
}

/** A request to `server` with exactly these headers (Host included). */
function request(
  server: FunctionServerProcess,
  method: string,
  urlPath: string,
  headers: Record<string, string>,
  body = '',
): Promise<Answer> {
  const port = Number(new URL(server.url).port);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path: urlPath, headers, setHost: false },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('serve-function without a token: no endpoint answers a foreign host or origin', () => {
  const loopback = (): string => new URL(open.url).host;
  it.each([
    ['GET', '/healthz'],
    ['HEAD', '/healthz'],
    ['GET', '/healthz?x=1'],
    ['GET', '/admin'],
    ['POST', '/invoke'],
  ])('%s %s', async (method, urlPath) => {
    const rebound = {
      host: `attacker.example:${new URL(open.url).port}`,
      'content-type': 'application/json',
    };
    const foreignPage = {
      host: loopback(),
      origin: 'https://attacker.example',
      'content-type': 'application/json',
    };
    for (const headers of [rebound, foreignPage]) {
      const answer = await request(
        open,
        method,
        urlPath,
        headers,
        method === 'POST' ? '{"kind":"ping"}' : '',
      );
      expect(answer.status, JSON.stringify(headers)).toBe(403);
      expect(answer.body).not.toMatch(/"ok"|"node"|"busy"|"platform"/);
    }
  });

  it('answers /healthz to a loopback host', async () => {
    const answer = await request(open, 'GET', '/healthz', { host: loopback() });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ ok: true, busy: 0 });
  });
});

describe('serve-function with a token', () => {
  const host = (): string => new URL(guarded.url).host;
  it('answers /healthz without it (for platform probes), as documented', async () => {
    const answer = await request(guarded, 'GET', '/healthz', { host: host() });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ ok: true });
  });

  it.each([
    ['no token', {}],
    ['a wrong token', { authorization: `Bearer ${TOKEN}x` }],
    ['the token without Bearer', { authorization: TOKEN }],
    ['a longer token', { authorization: `Bearer ${TOKEN}${TOKEN}` }],
  ])('refuses /invoke with %s: 401, nothing run, the token never echoed', async (_name, auth) => {
    const answer = await request(
      guarded,
      'POST',
      '/invoke',
      { host: host(), 'content-type': 'application/json', ...auth },
      '{"kind":"ping"}',
    );
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toMatchObject({ errorType: 'Unauthorized' });
    expect(answer.body).not.toContain(TOKEN);
  });

  it('answers /invoke with the token', async () => {
    const answer = await request(
      guarded,
      'POST',
      '/invoke',
      { host: host(), 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      '{"kind":"ping"}',
    );
    expect(answer.status, answer.body).toBe(200);
    expect(guarded.stderr()).not.toContain(TOKEN);
  });
});
