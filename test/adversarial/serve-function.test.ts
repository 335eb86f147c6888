/**
 * `serve-function` against what a web page or a careless client can send it: without a token it
 * must answer only requests to a loopback host (DNS rebinding sends the attacker's host name)
 * from no foreign origin, and only `application/json` bodies (a cross-site "simple request" is
 * `text/plain` or a form); a slow body must neither hold the only slot nor hang; payload
 * mistakes are 4xx. Every refused request runs nothing.
 */
import net from 'node:net';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startFunctionServerProcess,
  stopFunctionServerProcess,
  type FunctionServerProcess,
} from '../support/function-servers.js';
import { hostileWorld, validPayload, type HostileWorld } from './support/hostile-world.js';

let world: HostileWorld;
let server: FunctionServerProcess;
let port: number;

beforeAll(async () => {
  world = await hostileWorld('serve');
  server = await startFunctionServerProcess(
    ['--allow-read', world.root, '--allow-read', world.model, '--body-timeout', '1s'],
    { OBIFAAS_FUNCTION_TOKEN: '' },
  );
  port = Number(new URL(server.url).port);
});

afterAll(async () => {
  if (server) await stopFunctionServerProcess(server);
  await world?.close();
});

interface Answer {
  status: number;
  body: string;
}

/** One request with exactly these headers (Host included). */
function request(headers: Record<string, string>, body: string, path = '/invoke'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path,
        headers: { 'content-length': String(Buffer.byteLength(body)), ...headers },
        setHost: false,
      },
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

const ping = JSON.stringify({ kind: 'ping' });
const json = { 'content-type': 'application/json' };

async function invocations(): Promise<number> {
  const health = (await (await fetch(`${server.url}/healthz`)).json()) as { busy: number };
  return health.busy;
}

describe('serve-function without a token', () => {
  it('answers a JSON request to a loopback host', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
      const answer = await request({ ...json, host }, ping);
      expect(answer.status, host).toBe(200);
    }
  });

  it.each([
    ['a rebound DNS name', { host: `attacker.example:${port}` }],
    ['an IP that is not loopback', { host: `192.168.1.20:${port}` }],
    ['a loopback-looking name', { host: `127.0.0.1.attacker.example:${port}` }],
    ['no Host at all', { host: '' }],
    ['a foreign web origin', { host: `127.0.0.1:${port}`, origin: 'https://attacker.example' }],
  ])('refuses %s with 403, running nothing', async (_name, headers) => {
    const answer = await request({ ...json, ...headers }, JSON.stringify(validPayload(world)));
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toMatchObject({ errorType: 'Forbidden' });
    expect(answer.body).not.toContain('"splits"');
  });

  it.each([
    ['text/plain (a "simple" cross-site request)', 'text/plain'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['multipart', 'multipart/form-data; boundary=x'],
  ])('refuses %s with 415', async (_name, type) => {
    const answer = await request({ host: `127.0.0.1:${port}`, 'content-type': type }, ping);
    expect(answer.status).toBe(415);
  });

  it.each([
    ['not JSON', '{"kind": ', 400, /not valid JSON/],
    ['an unknown kind', '{"kind":"nonsense"}', 400, /kind: expected one of/],
    ['a number', '42', 400, /invalid worker payload/],
    [
      'a huge batch size',
      JSON.stringify({
        kind: 'static',
        jobId: 'j',
        workerId: 'w',
        model: { uri: '/m.onnx' },
        storage: { type: 'fs', root: '/' },
        pipeline: { predict: { batchSize: 1e9 } },
        splits: [],
      }),
      400,
      /pipeline\.predict\.batchSize/,
    ],
  ])('answers a payload that is %s with %i', async (_name, body, status, message) => {
    const answer = await request({ host: `127.0.0.1:${port}`, 'content-type': 'application/json' }, body);
    expect(answer.status).toBe(status);
    expect(JSON.parse(answer.body).errorMessage).toMatch(message);
  });

  it('does not let a slow body hold the only slot, and times it out with 408', async () => {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    let answered = '';
    socket.on('data', (c: Buffer) => (answered += c.toString('utf8')));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(
      `POST /invoke HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"kind":`,
    );
    // While that body trickles, the only slot is free for a real invocation.
    const meanwhile = await request(
      { host: `127.0.0.1:${port}`, 'content-type': 'application/json' },
      JSON.stringify(validPayload(world)),
    );
    expect(meanwhile.status).toBe(200);
    await closed;
    expect(answered).toMatch(/^HTTP\/1\.1 408/);
    expect(await invocations()).toBe(0);
  });

  it('answers 405 and 404 for other methods and paths', async () => {
    expect((await fetch(`${server.url}/invoke`)).status).toBe(405);
    expect(
      (await request({ host: `127.0.0.1:${port}`, 'content-type': 'application/json' }, ping, '/admin'))
        .status,
    ).toBe(404);
  });
});
