/**
 * The dispatcher certificate a dynamic payload pins (`dispatcher.tls.cert`), read as the
 * untrusted input it is (pure): bounded PEM text holding exactly one X.509 certificate, with an
 * EC (P-256, P-384, P-521) or RSA (2048 bits or more) key, valid at the time of the check. The
 * job manager checks a certificate the user brings with the same rules. The function then
 * trusts that certificate and no other, whatever address it dials.
 */
import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import { MAX_PINNED_CERTIFICATE_CHARS } from './limits.js';

/** A certificate that passed {@link readPinnedCertificate}. */
export interface PinnedCertificate {
  /** The one certificate, in PEM. */
  pem: string;
  /** SHA-256 of its DER bytes, lowercase hex. */
  sha256: string;
  /** Its validity, epoch ms. */
  validFromMs: number;
  validToMs: number;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+?)-----END \1-----/g;
const EC_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);
const MIN_RSA_BITS = 2048;

/** The PEM blocks of `text`: their labels and DER bytes. */
export function pemBlocks(text: string): { label: string; der: Buffer }[] {
  return [...text.matchAll(PEM_BLOCK)].map((m) => ({
    label: m[1] as string,
    der: Buffer.from((m[2] as string).replace(/\s+/g, ''), 'base64'),
  }));
}

/** The SHA-256 fingerprint of DER bytes, lowercase hex. */
export function certificateSha256(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

/** Why the key of `cert` is not one a dispatcher may use; undefined when it is. */
function keyProblem(cert: X509Certificate): string | undefined {
  let key: KeyObject;
  try {
    key = cert.publicKey;
  } catch {
    return 'its public key cannot be read';
  }
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec')
    return EC_CURVES.has(details.namedCurve ?? '')
      ? undefined
      : `its EC key is on curve ${details.namedCurve ?? 'unknown'} (expected P-256, P-384 or P-521)`;
  if (key.asymmetricKeyType === 'rsa')
    return (details.modulusLength ?? 0) >= MIN_RSA_BITS
      ? undefined
      : `its RSA key has ${details.modulusLength ?? 0} bits (at least ${MIN_RSA_BITS} expected)`;
  return `its key is ${key.asymmetricKeyType ?? 'of an unknown type'} (expected EC or RSA)`;
}

/** Why a certificate valid from `fromMs` to `toMs` is not valid at `nowMs`; undefined when it is. */
function validityProblem(fromMs: number, toMs: number, nowMs: number): string | undefined {
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) return 'its validity dates cannot be read';
  if (nowMs < fromMs) return `is not valid before ${new Date(fromMs).toISOString()}`;
  if (nowMs > toMs) return `expired on ${new Date(toMs).toISOString()}`;
  return undefined;
}

/**
 * The certificate of `text` (its first when `allowChain`, else its only one), checked at
 * `nowMs`; or why it cannot be pinned. Never echoes the text it was given.
 */
export function readPinnedCertificate(
  text: string,
  nowMs: number,
  options: { allowChain?: boolean } = {},
): { cert: PinnedCertificate } | { problem: string } {
  if (text.length > MAX_PINNED_CERTIFICATE_CHARS && !options.allowChain)
    return { problem: `is ${text.length} characters long (at most ${MAX_PINNED_CERTIFICATE_CHARS})` };
  const blocks = pemBlocks(text);
  const certs = blocks.filter((b) => b.label === 'CERTIFICATE');
  if (certs.length === 0) return { problem: 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)' };
  if (blocks.length !== certs.length)
    return {
      problem: `holds a PEM block other than a certificate (${blocks.find((b) => b.label !== 'CERTIFICATE')?.label})`,
    };
  if (certs.length > 1 && !options.allowChain)
    return { problem: `holds ${certs.length} certificates (expected the dispatcher's one)` };
  const der = (certs[0] as { der: Buffer }).der;
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch {
    return { problem: 'is not a readable X.509 certificate' };
  }
  const key = keyProblem(cert);
  if (key) return { problem: key };
  const validFromMs = Date.parse(cert.validFrom);
  const validToMs = Date.parse(cert.validTo);
  const validity = validityProblem(validFromMs, validToMs, nowMs);
  if (validity) return { problem: validity };
  return { cert: { pem: cert.toString(), sha256: certificateSha256(cert.raw), validFromMs, validToMs } };
}
