import { X509Certificate } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../test/support/temp-dir.js';
import { SpecError } from '../errors.js';
import { readPinnedCertificate } from '../protocol/pinned-certificate.js';
import { selfSignedCertificate } from '../rpc/self-signed-certificate.js';
import type { DispatchSpec, DispatcherTlsSpec } from '../spec/types.js';
import { CERTIFICATE_EXPIRY_WARNING_MS, prepareDispatcherTls } from './dispatcher-tls.js';

const temp = useTempDir('obifaas-dispatcher-tls-');
const nowMs = Date.now();
const good = selfSignedCertificate({ hosts: ['10.0.0.5'], nowMs });
const other = selfSignedCertificate({ hosts: ['10.0.0.5'], nowMs });
const expired = selfSignedCertificate({
  hosts: ['10.0.0.5'],
  nowMs: nowMs - 10 * 86_400_000,
  validityMs: 86_400_000,
});

const dynamic = (tls: DispatcherTlsSpec): DispatchSpec => ({
  type: 'dynamic',
  maxSplitRetries: 1,
  keepAliveIntervalMs: 2000,
  workerSilentTimeoutMs: 10_000,
  host: '0.0.0.0',
  advertiseHost: 'manager.internal',
  port: 0,
  speculation: null,
  tls,
});

async function file(name: string, text: string): Promise<string> {
  const at = path.join(temp.path, name);
  await writeFile(at, text);
  return at;
}

/** The issue of the files' check: its setting and message. */
async function refusal(certFile: string, keyFile: string): Promise<{ path: string; message: string }> {
  const err = await prepareDispatcherTls(dynamic({ mode: 'files', certFile, keyFile }), nowMs).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SpecError);
  const issues = (err as SpecError).issues;
  expect(issues).toHaveLength(1);
  return issues[0]!;
}

describe("the dispatcher's TLS at the job's start", () => {
  it('is none for a static job or clear text, and a new certificate for the job otherwise', async () => {
    expect(await prepareDispatcherTls({ type: 'static' }, nowMs)).toBeUndefined();
    expect(await prepareDispatcherTls(dynamic({ mode: 'off' }), nowMs)).toBeUndefined();
    const made = await prepareDispatcherTls(dynamic({ mode: 'self-signed' }), nowMs);
    expect(made).toMatchObject({ source: 'self-signed', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(made?.pinnedCert).toBe(made?.server.certPem);
    expect(made?.pinnedCert).not.toContain('PRIVATE KEY');
    const again = await prepareDispatcherTls(dynamic({ mode: 'self-signed' }), nowMs);
    expect(again?.sha256).not.toBe(made?.sha256);
    // Valid from an hour before the run starts, with no expiry: a run of any length keeps it.
    const pinned = readPinnedCertificate(made!.pinnedCert, nowMs + 400 * 86_400_000);
    expect(pinned).toMatchObject({ cert: { validFromMs: nowMs - (nowMs % 1000) - 3600_000 } });
    expect(new Date((pinned as { cert: { validToMs: number } }).cert.validToMs).toISOString()).toBe(
      '9999-12-31T23:59:59.000Z',
    );
  });

  it("serves the user's files and pins their certificate (the first of a chain)", async () => {
    const certFile = await file('chain.pem', good.certPem + other.certPem);
    const keyFile = await file('good.key', good.keyPem);
    const tls = await prepareDispatcherTls(dynamic({ mode: 'files', certFile, keyFile }), nowMs);
    expect(tls).toEqual({
      server: { certPem: good.certPem + other.certPem, keyPem: good.keyPem },
      pinnedCert: good.certPem,
      sha256: good.sha256,
      source: 'files',
    });
  });

  it('refuses files that are missing, empty, not PEM, expired or not a pair, naming the setting and the file', async () => {
    const cert = await file('good.pem', good.certPem);
    const key = await file('good.key', good.keyPem);
    const missing = path.join(temp.path, 'missing.pem');
    expect(await refusal(missing, key)).toEqual({
      path: 'dispatcher.tlsCert',
      message: `the certificate file ${missing} does not exist`,
    });
    const empty = await file('empty.key', '');
    expect(await refusal(cert, empty)).toEqual({
      path: 'dispatcher.tlsKey',
      message: `the key file ${empty} is empty (0 bytes)`,
    });
    const notPem = await file('not.pem', 'hello\n');
    expect(await refusal(notPem, key)).toEqual({
      path: 'dispatcher.tlsCert',
      message: `the certificate file ${notPem} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    });
    expect(await refusal(cert, notPem)).toEqual({
      path: 'dispatcher.tlsKey',
      message: `the key file ${notPem} holds 0 PEM private keys (expected one)`,
    });
    const old = await file('expired.pem', expired.certPem);
    expect(await refusal(old, await file('expired.key', expired.keyPem))).toMatchObject({
      path: 'dispatcher.tlsCert',
      message: expect.stringMatching(new RegExp(`^the certificate file ${old} expired on `)),
    });
    const wrongKey = await file('other.key', other.keyPem);
    expect(await refusal(cert, wrongKey)).toEqual({
      path: 'dispatcher.tlsKey',
      message: `the key file ${wrongKey} is not the key of the certificate in ${cert}`,
    });
    expect(
      await refusal(
        cert,
        await file(
          'garbled.key',
          '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEH\n-----END PRIVATE KEY-----\n',
        ),
      ),
    ).toMatchObject({
      path: 'dispatcher.tlsKey',
      message: expect.stringMatching(/is not a readable PEM private key$/),
    });
    expect(await refusal(cert, temp.path)).toMatchObject({
      path: 'dispatcher.tlsKey',
      message: `the key file ${temp.path} is a folder`,
    });
  });

  it('warns of a certificate of the files that expires within a day, naming the file and the date', async () => {
    // Made to expire three hours after the job's start (its dates are whole seconds).
    const start = nowMs - (nowMs % 1000);
    const soon = selfSignedCertificate({ hosts: ['10.0.0.5'], nowMs: start, validityMs: 3 * 3600_000 });
    const certFile = await file('soon.pem', soon.certPem);
    const keyFile = await file('soon.key', soon.keyPem);
    const tls = await prepareDispatcherTls(dynamic({ mode: 'files', certFile, keyFile }), start);
    const expiry = new Date(start + 3 * 3600_000).toISOString();
    expect(tls?.warning).toBe(
      `the certificate file ${certFile} (dispatcher.tlsCert) expires on ${expiry}, in 3 h: from then on the functions refuse it and every invocation ends with error lines; give a certificate that outlasts the run`,
    );
    // Minutes before its expiry, still valid: less than an hour.
    const late = await prepareDispatcherTls(
      dynamic({ mode: 'files', certFile, keyFile }),
      start + 3 * 3600_000 - 60_000,
    );
    expect(late?.warning).toMatch(new RegExp(`expires on ${expiry}, in less than an hour:`));
    // A minute more than a day ahead of its expiry, no warning; a minute later, a warning.
    const day = selfSignedCertificate({
      hosts: ['10.0.0.5'],
      nowMs: start,
      validityMs: CERTIFICATE_EXPIRY_WARNING_MS + 60_000,
    });
    const dayTls = dynamic({
      mode: 'files',
      certFile: await file('day.pem', day.certPem),
      keyFile: await file('day.key', day.keyPem),
    });
    expect(await prepareDispatcherTls(dayTls, start)).not.toHaveProperty('warning');
    expect((await prepareDispatcherTls(dayTls, start + 60_000))?.warning).toMatch(/, in 24 h: /);
    const lasting = selfSignedCertificate({ hosts: ['10.0.0.5'], nowMs, validityMs: 90 * 86_400_000 });
    const lastingTls = await prepareDispatcherTls(
      dynamic({
        mode: 'files',
        certFile: await file('lasting.pem', lasting.certPem),
        keyFile: await file('lasting.key', lasting.keyPem),
      }),
      nowMs,
    );
    expect(lastingTls).not.toHaveProperty('warning');
    // The job's own certificate never expires.
    expect(await prepareDispatcherTls(dynamic({ mode: 'self-signed' }), nowMs)).not.toHaveProperty('warning');
  });

  it('refuses an expired certificate, naming the file and the date it expired', async () => {
    const certFile = await file('expired.pem', expired.certPem);
    const keyFile = await file('expired.key', expired.keyPem);
    const issue = await refusal(certFile, keyFile);
    const validTo = new Date(new X509Certificate(expired.certPem).validTo).toISOString();
    expect(issue).toEqual({
      path: 'dispatcher.tlsCert',
      message: `the certificate file ${certFile} expired on ${validTo}`,
    });
  });
});
