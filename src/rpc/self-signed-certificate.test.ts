import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  derObjectId,
  derSequence,
  derSmallInteger,
  derTime,
  derUnsignedInteger,
  derValue,
} from './der-writer.js';
import { EPHEMERAL_CERTIFICATE_NOT_AFTER_MS, CERTIFICATE_CLOCK_SKEW_MS } from './defaults.js';
import { SELF_SIGNED_COMMON_NAME, selfSignedCertificate } from './self-signed-certificate.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('the DER writer', () => {
  it('writes short and long lengths', () => {
    expect(hex(derValue(0x04, Buffer.alloc(0)))).toBe('0400');
    expect(hex(derValue(0x04, Buffer.alloc(127)).subarray(0, 2))).toBe('047f');
    expect(hex(derValue(0x04, Buffer.alloc(128)).subarray(0, 3))).toBe('048180');
    expect(hex(derValue(0x04, Buffer.alloc(256)).subarray(0, 4))).toBe('04820100');
    expect(hex(derValue(0x04, Buffer.alloc(70_000)).subarray(0, 5))).toBe('0483011170');
    expect(hex(derSequence())).toBe('3000');
  });

  it('writes integers positive and minimal', () => {
    expect(hex(derSmallInteger(0))).toBe('020100');
    expect(hex(derSmallInteger(2))).toBe('020102');
    expect(hex(derSmallInteger(128))).toBe('02020080');
    expect(hex(derSmallInteger(256))).toBe('02020100');
    expect(hex(derUnsignedInteger(Buffer.from([0, 0, 0x7f])))).toBe('02017f');
    expect(hex(derUnsignedInteger(Buffer.from([0xff])))).toBe('020200ff');
    expect(() => derSmallInteger(-1)).toThrow(RangeError);
  });

  it('writes object identifiers, large arcs in base 128', () => {
    expect(hex(derObjectId('1.2.840.10045.4.3.2'))).toBe('06082a8648ce3d040302');
    expect(hex(derObjectId('2.5.29.17'))).toBe('0603551d11');
    expect(hex(derObjectId('1.3.6.1.5.5.7.3.1'))).toBe('06082b06010505070301');
    for (const bad of ['1', '3.1', '1.40', '1.2.x', ''])
      expect(() => derObjectId(bad), bad).toThrow(RangeError);
  });

  it('writes UTCTime before 2050 and GeneralizedTime from 2050', () => {
    expect(derTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678)).toString('latin1')).toBe('\x17\x0d260102030405Z');
    expect(derTime(Date.UTC(2049, 11, 31, 23, 59, 59)).toString('latin1')).toBe('\x17\x0d491231235959Z');
    expect(derTime(Date.UTC(2050, 0, 1)).toString('latin1')).toBe('\x18\x0f20500101000000Z');
    expect(derTime(Date.UTC(1949, 11, 31)).toString('latin1')).toBe('\x18\x0f19491231000000Z');
    expect(() => derTime(Number.NaN)).toThrow(RangeError);
  });
});

describe("the dispatcher's self-signed certificate", () => {
  const nowMs = Date.UTC(2026, 5, 1, 12, 0, 0);
  const made = selfSignedCertificate({
    hosts: ['10.0.0.5', 'manager.internal', '0.0.0.0', '[::1]', '10.0.0.5'],
    nowMs,
  });
  const cert = new X509Certificate(made.certPem);

  it('parses, and is signed by its own key (ECDSA P-256, the key in PKCS #8)', () => {
    const key = createPrivateKey(made.keyPem);
    expect(key.asymmetricKeyType).toBe('ec');
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(cert.verify(createPublicKey(key))).toBe(true);
    expect(cert.checkPrivateKey(key)).toBe(true);
    expect(cert.verify(selfSignedKey())).toBe(false);
    expect(cert.subject).toBe(`CN=${SELF_SIGNED_COMMON_NAME}`);
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.ca).toBe(false);
    expect(made.sha256).toBe(cert.fingerprint256.replaceAll(':', '').toLowerCase());
  });

  it('names its hosts once each (not the wildcard address) and is valid from an hour before with no expiry', () => {
    expect(cert.subjectAltName).toBe('IP Address:10.0.0.5, DNS:manager.internal, IP Address:0:0:0:0:0:0:0:1');
    expect(cert.checkIP('10.0.0.5')).toBe('10.0.0.5');
    expect(cert.checkHost('manager.internal')).toBe('manager.internal');
    expect(Date.parse(cert.validFrom)).toBe(nowMs - CERTIFICATE_CLOCK_SKEW_MS);
    expect(Date.parse(cert.validTo)).toBe(EPHEMERAL_CERTIFICATE_NOT_AFTER_MS);
    expect(new Date(cert.validTo).toISOString()).toBe('9999-12-31T23:59:59.000Z');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
  });

  it('is new each time: another key, another serial number', () => {
    const again = selfSignedCertificate({ hosts: ['10.0.0.5'], nowMs });
    const other = new X509Certificate(again.certPem);
    expect(other.serialNumber).not.toBe(cert.serialNumber);
    expect(again.keyPem).not.toBe(made.keyPem);
    expect(cert.verify(other.publicKey)).toBe(false);
  });

  it('is read by openssl as an X.509 v3 server certificate with its extensions', (context) => {
    let openssl = true;
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
    } catch {
      openssl = false;
    }
    if (!openssl) return context.skip();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'obifaas-cert-'));
    try {
      const file = path.join(dir, 'cert.pem');
      writeFileSync(file, made.certPem);
      const text = execFileSync('openssl', ['x509', '-in', file, '-noout', '-text'], { encoding: 'utf8' });
      expect(text).toMatch(/Version: 3 \(0x2\)/);
      expect(text).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
      expect(text).toMatch(/NIST CURVE: P-256/);
      expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
      expect(text).toMatch(/Key Usage: critical\s+Digital Signature/);
      expect(text).toMatch(/TLS Web Server Authentication/);
      expect(text).toMatch(/IP Address:10\.0\.0\.5, DNS:manager\.internal, IP Address:0:0:0:0:0:0:0:1/);
      const verify = execFileSync(
        'openssl',
        ['verify', '-attime', String(Math.floor(nowMs / 1000)), '-CAfile', file, file],
        { encoding: 'utf8' },
      );
      expect(verify.trim()).toBe(`${file}: OK`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The public key of another certificate. */
function selfSignedKey(): ReturnType<typeof createPublicKey> {
  return new X509Certificate(selfSignedCertificate({ hosts: [] }).certPem).publicKey;
}
