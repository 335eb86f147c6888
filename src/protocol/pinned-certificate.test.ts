import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fuzz, mutants, truncations } from '../../test/support/fuzz.js';
import { selfSignedCertificate, toPem } from '../rpc/self-signed-certificate.js';
import { MAX_PINNED_CERTIFICATE_CHARS } from './limits.js';
import { pemBlocks, readPinnedCertificate } from './pinned-certificate.js';

const nowMs = Date.UTC(2026, 5, 1);
const made = selfSignedCertificate({ hosts: ['127.0.0.1'], nowMs });
/**
 * The fuzzed sample: one certificate of {@link selfSignedCertificate} at `nowMs`, kept as text so
 * that every run fuzzes the same bytes (a new one has a new key, serial and signature each time,
 * and a failing case could not be found again).
 */
const SAMPLE_PEM = [
  '-----BEGIN CERTIFICATE-----',
  'MIIBfTCCASSgAwIBAgIQeLZ5KJqs+b2rQ/9MyifjBzAKBggqhkjOPQQDAjAdMRsw',
  'GQYDVQQDDBJvYmlmYWFzIGRpc3BhdGNoZXIwHhcNMjYwNTMxMjMwMDAwWhcNMjYw',
  'NjA4MDAwMDAwWjAdMRswGQYDVQQDDBJvYmlmYWFzIGRpc3BhdGNoZXIwWTATBgcq',
  'hkjOPQIBBggqhkjOPQMBBwNCAAT/Pv68Y1xmjrA0ULCN1fhsCSa9cpDSOmcUnBes',
  '+p2JX9ecAG/dWvI+V4sQ9NE7Bk1B7dyCsbH2GXUdL68RWYqto0YwRDAMBgNVHRMB',
  'Af8EAjAAMA4GA1UdDwEB/wQEAwIHgDATBgNVHSUEDDAKBggrBgEFBQcDATAPBgNV',
  'HREECDAGhwR/AAABMAoGCCqGSM49BAMCA0cAMEQCIFkpAI6dJvY75ryZbWnJhKj/',
  'bhcuBjE0mlh09N+fwAJDAiASoM2SbkSnP6ttNVKRs1eSmS+kw96Ell0aRry8ezog',
  'AA==',
  '-----END CERTIFICATE-----',
].join('\n');
const der = pemBlocks(SAMPLE_PEM)[0]!.der;
const problemOf = (text: string, at = nowMs): string | undefined => {
  const read = readPinnedCertificate(text, at);
  return 'problem' in read ? read.problem : undefined;
};

describe('a pinned dispatcher certificate', () => {
  it('is read with its fingerprint and validity', () => {
    const read = readPinnedCertificate(made.certPem, nowMs);
    expect(read).toEqual({
      cert: {
        pem: made.certPem,
        sha256: made.sha256,
        validFromMs: Date.parse(new X509Certificate(made.certPem).validFrom),
        validToMs: Date.parse(new X509Certificate(made.certPem).validTo),
      },
    });
  });

  it('is refused outside its validity, saying when', () => {
    const week = selfSignedCertificate({ hosts: ['127.0.0.1'], nowMs, validityMs: 7 * 86_400_000 });
    expect(problemOf(week.certPem, nowMs + 30 * 86_400_000)).toMatch(/^expired on 2026-06-08T/);
    expect(problemOf(made.certPem, nowMs - 86_400_000)).toMatch(/^is not valid before 2026-05-31T23:00:00/);
  });

  it('is one PEM certificate of bounded size and nothing else, and its text is never echoed', () => {
    expect(problemOf('')).toBe('holds no PEM certificate (-----BEGIN CERTIFICATE-----)');
    expect(problemOf('secret token, not a certificate')).toBe(
      'holds no PEM certificate (-----BEGIN CERTIFICATE-----)',
    );
    expect(problemOf(made.certPem + made.certPem)).toBe(
      "holds 2 certificates (expected the dispatcher's one)",
    );
    expect(problemOf(made.certPem + made.keyPem)).toBe(
      'holds a PEM block other than a certificate (PRIVATE KEY)',
    );
    expect(problemOf(made.certPem + ' '.repeat(MAX_PINNED_CERTIFICATE_CHARS))).toMatch(
      /characters long \(at most 16384\)/,
    );
    expect(problemOf(toPem('CERTIFICATE', Buffer.from('not DER')))).toBe(
      'is not a readable X.509 certificate',
    );
    const chain = readPinnedCertificate(made.certPem + made.certPem, nowMs, { allowChain: true });
    expect('cert' in chain && chain.cert.sha256).toBe(made.sha256);
  });

  it('survives mutated and random DER: a certificate with its own fingerprint, or a problem', async () => {
    expect('cert' in readPinnedCertificate(SAMPLE_PEM, nowMs)).toBe(true);
    const seen = { read: 0, refused: 0 };
    await fuzz([...mutants([der], 7, 1500), ...truncations(der)], (bytes) => {
      const read = readPinnedCertificate(toPem('CERTIFICATE', bytes), nowMs);
      if ('problem' in read) {
        seen.refused++;
        expect(read.problem.length).toBeLessThan(200);
        return;
      }
      seen.read++;
      expect(read.cert.sha256).toBe(
        new X509Certificate(read.cert.pem).fingerprint256.replaceAll(':', '').toLowerCase(),
      );
      expect(read.cert.validFromMs).toBeLessThanOrEqual(nowMs);
      expect(read.cert.validToMs).toBeGreaterThanOrEqual(nowMs);
    });
    expect(seen.refused).toBeGreaterThan(1000);
  });

  it('survives mutated PEM text', async () => {
    const text = new TextEncoder().encode(SAMPLE_PEM);
    await fuzz(mutants([text], 8, 1000), (bytes) => {
      const read = readPinnedCertificate(new TextDecoder().decode(bytes), nowMs);
      expect('cert' in read || typeof read.problem === 'string').toBe(true);
    });
  });
});
