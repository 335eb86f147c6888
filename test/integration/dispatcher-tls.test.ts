/**
 * The split dispatcher over TLS, on loopback with real parts: the gRPC server and client with a
 * pinned certificate (the job's own, one another dispatcher presents, a CA-issued one), dynamic
 * jobs with local function processes over TLS (`--dispatcher-tls on` binds 127.0.0.1 with a
 * certificate for it), and a function that pins another certificate or whose deployment requires
 * TLS. The CLI with the user's certificate files: `dispatcher-tls-cli.test.ts`.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComputeBackend } from '../../src/backends/backend.js';
import { LocalBackend } from '../../src/backends/local/local-backend.js';
import { generateDataset, type GeneratedDataset } from '../../src/dataset/generate.js';
import { runJob } from '../../src/manager/run-job.js';
import { ensureBuiltinModel } from '../../src/models/cache.js';
import { noAccess } from '../../src/protocol/function-access.js';
import type { WorkerPayload } from '../../src/protocol/invocation.js';
import { DispatcherClient } from '../../src/rpc/dispatcher-client.js';
import { DispatcherServer } from '../../src/rpc/dispatcher-server.js';
import { selfSignedCertificate } from '../../src/rpc/self-signed-certificate.js';
import { compileJobSpec } from '../../src/spec/compile.js';
import { AccessError } from '../../src/errors.js';
import { expectEveryInputOnce, readRecord, readResults } from '../support/job-output.js';
import { PayloadLog } from '../support/payload-log.js';

/** The payload sent with `pem` pinned in place of the job's certificate. */
const pinning =
  (pem: string) =>
  (payload: WorkerPayload): WorkerPayload =>
    payload.kind === 'dynamic'
      ? { ...payload, dispatcher: { ...payload.dispatcher, tls: { cert: pem } } }
      : payload;

let dir: string;
let home: string;
let dataset: GeneratedDataset;
let model: string;
let local: LocalBackend;
let jobs = 0;
const quiet = { write: () => true };

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-dispatcher-tls-'));
  home = path.join(dir, 'home');
  model = await ensureBuiltinModel('tiny', { home });
  dataset = await generateDataset({ count: 12, outDir: path.join(dir, 'data'), seed: 5 });
  local = new LocalBackend({ maxConcurrency: 2, log: quiet });
});
afterAll(async () => {
  await local?.close();
  await rm(dir, { recursive: true, force: true });
});

const compile = (options: Record<string, unknown>) =>
  compileJobSpec(
    { inputs: dataset.manifestPath, model, mode: 'dynamic', splitSize: 3, workers: 2, ...options },
    { cores: 2, now: new Date(), cwd: dir },
  );

async function dynamicJob(backend: ComputeBackend, dispatcher: Record<string, unknown>) {
  const out = path.join(dir, `job${jobs++}`);
  await runJob(compile({ out, dispatcher }), { backend });
  const lines = await readResults(out);
  expectEveryInputOnce(lines, dataset.keys);
  return { out, lines, record: await readRecord(out) };
}

describe('the dispatcher and a worker over TLS', () => {
  const cert = selfSignedCertificate({ hosts: ['127.0.0.1'] });
  const other = selfSignedCertificate({ hosts: ['127.0.0.1'] });

  async function connect(
    server: DispatcherServer,
    workerId: string,
    pin: string | undefined,
    timeoutMs = 5000,
  ) {
    const { port } = server.address ?? (await server.start());
    const address = { host: '127.0.0.1', port, token: server.credentialFor(workerId) };
    return DispatcherClient.connect(pin === undefined ? address : { ...address, tls: { cert: pin } }, {
      workerId,
      connectTimeoutMs: timeoutMs,
    });
  }

  it('carries splits to a worker that pins its certificate, and refuses one that pins another before any credential', async () => {
    const server = new DispatcherServer([{ splitId: 's0', keys: ['a', 'b'] }], { tls: cert });
    try {
      const client = await connect(server, 'w1', cert.certPem);
      const split = await client.pull();
      expect(split?.keys).toEqual(['a', 'b']);
      client.close();
      const refused = await connect(server, 'w2', other.certPem).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(AccessError);
      expect((refused as AccessError).field).toBe('dispatcher.tls.cert');
      expect((refused as Error).message).toContain(`presented a certificate (SHA-256 ${cert.sha256})`);
      expect((refused as Error).message).toContain(`this payload pins (SHA-256 ${other.sha256})`);
      // Clear text to a TLS server is no stream either.
      await expect(connect(server, 'w3', undefined, 1000)).rejects.toThrow(
        /cannot reach the dispatcher|closed/,
      );
      expect(server.counters).toMatchObject({ streams: 1, unauthenticated: 0, invalidMetadata: 0 });
    } finally {
      await server.close();
    }
  });

  it('refuses a dispatcher in clear text when the payload pins a certificate', async () => {
    const server = new DispatcherServer([{ splitId: 's0', keys: ['a'] }]);
    try {
      await expect(connect(server, 'w1', cert.certPem)).rejects.toThrow(
        /dispatcher\.tls\.cert: the dispatcher at 127\.0\.0\.1:\d+ did not complete a TLS handshake/,
      );
      expect(server.counters.streams).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('pins a certificate issued by a CA as itself, not through its issuer (openssl)', async (context) => {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
    } catch {
      return context.skip();
    }
    const ca = path.join(dir, 'ca');
    const run = (...args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    run(
      'req',
      '-x509',
      ...ec,
      '-keyout',
      `${ca}.key`,
      '-out',
      `${ca}.pem`,
      '-subj',
      '/CN=test ca',
      '-days',
      '2',
    );
    run('req', ...ec, '-keyout', `${ca}-leaf.key`, '-out', `${ca}-leaf.csr`, '-subj', '/CN=dispatcher');
    await writeFile(`${ca}-ext.cnf`, 'subjectAltName=IP:127.0.0.1\n');
    const sign = `x509 -req -in ${ca}-leaf.csr -CA ${ca}.pem -CAkey ${ca}.key -CAcreateserial -days 2`;
    run(...sign.split(' '), '-extfile', `${ca}-ext.cnf`, '-out', `${ca}-leaf.pem`);
    const leaf = await readFile(`${ca}-leaf.pem`, 'utf8');
    const chain = leaf + (await readFile(`${ca}.pem`, 'utf8'));
    const server = new DispatcherServer([{ splitId: 's0', keys: ['a'] }], {
      tls: { certPem: chain, keyPem: await readFile(`${ca}-leaf.key`, 'utf8') },
    });
    try {
      const client = await connect(server, 'w1', leaf);
      expect((await client.pull())?.keys).toEqual(['a']);
      client.close();
    } finally {
      await server.close();
    }
  });
});

describe('dynamic jobs over TLS with local function processes', () => {
  it('classify every input once over TLS on loopback, pinning the certificate job.json names, never its key', async () => {
    const backend = new PayloadLog(local);
    const { out, lines, record } = await dynamicJob(backend, { tls: 'on' });
    expect(lines.every((l) => l.error === null)).toBe(true);
    expect(record.status).toBe('completed');
    const tls = record.dispatcher?.tls;
    expect(tls).toMatchObject({
      enabled: true,
      source: 'self-signed',
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const pins = new Set(
      backend.payloads.map((p) => (p.kind === 'dynamic' ? p.dispatcher.tls?.cert : undefined)),
    );
    expect(pins.size).toBe(1);
    const [pin] = [...pins];
    const x509 = new X509Certificate(pin as string);
    expect(x509.fingerprint256.replaceAll(':', '').toLowerCase()).toBe(
      tls && 'sha256' in tls ? tls.sha256 : '',
    );
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(JSON.stringify(backend.payloads)).not.toContain('PRIVATE KEY');
    for (const file of await readdir(out))
      expect(await readFile(path.join(out, file), 'utf8'), file).not.toContain('PRIVATE KEY');
  });

  it('stop at once when a function pins another certificate: one error line per input, not retried', async () => {
    const backend = new PayloadLog(local, pinning(selfSignedCertificate({ hosts: ['127.0.0.1'] }).certPem));
    const { lines, record } = await dynamicJob(backend, { tls: 'on' });
    expect(record.status).toBe('failed');
    expect(record.stopReason).toMatch(
      /^AccessError: dispatcher\.tls\.cert: the dispatcher at 127\.0\.0\.1:\d+ presented a certificate/,
    );
    expect(lines.every((l) => l.error !== null && l.error.includes('dispatcher.tls.cert'))).toBe(true);
    expect(record.invocations.every((i) => !i.ok && i.retryable === false)).toBe(true);
    expect(record.dispatcher?.counters.streams).toBe(0);
  });

  it('are refused in clear text by functions whose deployment requires TLS, and run with TLS', async () => {
    const strict = new LocalBackend({
      maxConcurrency: 2,
      log: quiet,
      access: { ...noAccess(), dispatcherTls: 'required' },
    });
    try {
      const clear = await dynamicJob(strict, {});
      expect(clear.record.status).toBe('failed');
      expect(clear.record.stopReason).toMatch(
        /^AccessError: dispatcher\.tls: this function's deployment requires TLS/,
      );
      expect(clear.lines.every((l) => l.error?.includes('OBIFAAS_FUNCTION_DISPATCHER_TLS=required'))).toBe(
        true,
      );
      const secure = await dynamicJob(strict, { tls: 'on' });
      expect(secure.record.status).toBe('completed');
    } finally {
      await strict.close();
    }
  });
});
