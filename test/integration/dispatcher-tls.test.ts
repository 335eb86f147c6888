/**
 * The split dispatcher over TLS, on loopback with real parts: the gRPC server and client with a
 * pinned certificate (the job's own, one another dispatcher presents, a CA-issued one), dynamic
 * jobs with local function processes over TLS (`--dispatcher-tls on` binds 127.0.0.1 with a
 * certificate for it), a function that pins another certificate or whose deployment requires
 * TLS, and the CLI with the user's certificate files, good and bad, and named in a config file
 * (relative to its folder), resumed from another folder.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
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
import { obifaas } from '../support/obifaas-cli.js';
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

describe("the CLI with the user's certificate files", () => {
  /** The run's flags; the certificate files as flags, unless a config file names them. */
  const args = (out: string, cert?: string, key?: string): string[] => [
    'run',
    '--input',
    dataset.manifestPath,
    '--model',
    'tiny',
    '--mode',
    'dynamic',
    '--split-size',
    '4',
    '--workers',
    '2',
    '--max-concurrency',
    '2',
    ...(cert !== undefined && key !== undefined
      ? ['--dispatcher-tls-cert', cert, '--dispatcher-tls-key', key]
      : []),
    '--out',
    out,
    '--json',
  ];
  const cli = (out: string, cert: string, key: string, ...more: string[]) =>
    obifaas([...args(out, cert, key), ...more], { cwd: dir, env: { OBIFAAS_HOME: home } });

  it('serves them and pins the certificate; refuses a key of another, an expired certificate, a missing file (exit 2)', async () => {
    const mine = selfSignedCertificate({ hosts: ['127.0.0.1'] });
    const theirs = selfSignedCertificate({ hosts: ['127.0.0.1'] });
    const old = selfSignedCertificate({
      hosts: ['127.0.0.1'],
      nowMs: Date.now() - 9 * 86_400_000,
      validityMs: 86_400_000,
    });
    const files: Record<string, string> = {
      'mine.pem': mine.certPem,
      'mine.key': mine.keyPem,
      'theirs.key': theirs.keyPem,
      'old.pem': old.certPem,
      'old.key': old.keyPem,
    };
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);

    const out = path.join(dir, 'cli-files');
    const run = await cli(out, 'mine.pem', 'mine.key');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/clear text/);
    expectEveryInputOnce(await readResults(out), dataset.keys);
    const record = await readRecord(out);
    expect(record.dispatcher?.tls).toEqual({ enabled: true, source: 'files', sha256: mine.sha256 });
    expect(record.spec.dispatch).toMatchObject({
      tls: { mode: 'files', certFile: path.join(dir, 'mine.pem'), keyFile: path.join(dir, 'mine.key') },
    });

    for (const [cert, key, message] of [
      [
        'mine.pem',
        'theirs.key',
        `dispatcher.tlsKey: the key file ${path.join(dir, 'theirs.key')} is not the key of the certificate in ${path.join(dir, 'mine.pem')}`,
      ],
      [
        'old.pem',
        'old.key',
        `dispatcher.tlsCert: the certificate file ${path.join(dir, 'old.pem')} it expired on `,
      ],
      [
        'none.pem',
        'mine.key',
        `dispatcher.tlsCert: the certificate file ${path.join(dir, 'none.pem')} does not exist`,
      ],
    ] as const) {
      const refused = await cli(path.join(dir, `cli-${cert}-${key}`), cert, key);
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toContain(message);
      expect(refused.stderr).not.toMatch(/\n\s+at /);
    }
    // A dry run reads and checks them as a run does.
    const dry = await cli(path.join(dir, 'cli-dry'), 'mine.pem', 'theirs.key', '--dry-run');
    expect(dry.code, dry.stderr).toBe(2);
    expect(dry.stderr).toContain(`is not the key of the certificate in ${path.join(dir, 'mine.pem')}`);
    expect((await cli(path.join(dir, 'cli-dry'), 'mine.pem', 'mine.key', '--dry-run')).code).toBe(0);
  });

  it("reads a config file's certificate paths from its folder, keeps them absolute, and resumes from another folder", async () => {
    const conf = path.join(dir, 'conf');
    const elsewhere = path.join(dir, 'elsewhere');
    await mkdir(path.join(conf, 'tls'), { recursive: true });
    await mkdir(elsewhere);
    const mine = selfSignedCertificate({ hosts: ['127.0.0.1'] });
    await writeFile(path.join(conf, 'tls', 'c.pem'), mine.certPem);
    await writeFile(path.join(conf, 'tls', 'c.key'), mine.keyPem);
    await writeFile(path.join(conf, 'job.yaml'), 'dispatcher:\n  tlsCert: tls/c.pem\n  tlsKey: tls/c.key\n');
    const out = path.join(dir, 'cli-config');
    const started = await obifaas([...args(out), '--config', 'conf/job.yaml'], {
      cwd: dir,
      env: { OBIFAAS_HOME: home },
    });
    expect(started.code, started.stderr).toBe(0);
    const files = { certFile: path.join(conf, 'tls', 'c.pem'), keyFile: path.join(conf, 'tls', 'c.key') };
    expect((await readRecord(out)).spec.dispatch).toMatchObject({ tls: { mode: 'files', ...files } });
    // The last split as if the job manager stopped before it: --resume from another folder runs it.
    const splits = path.join(out, 'splits.jsonl');
    const lines = (await readFile(splits, 'utf8')).trimEnd().split('\n');
    await writeFile(splits, `${lines.slice(0, -1).join('\n')}\n`);
    const resumed = await obifaas(['run', '--resume', out, '--json'], {
      cwd: elsewhere,
      env: { OBIFAAS_HOME: home },
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'completed', resumed: true });
    expectEveryInputOnce(await readResults(out), dataset.keys);
    const record = await readRecord(out);
    expect(record.runs).toHaveLength(2);
    expect(record.dispatcher?.tls).toEqual({ enabled: true, source: 'files', sha256: mine.sha256 });
  });
});
