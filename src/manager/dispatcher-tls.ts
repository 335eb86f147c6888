/**
 * The TLS material of a dynamic job's split dispatcher, made or read when the job starts: a new
 * self-signed certificate and key for this job (the key only in memory), or the user's
 * certificate and key files, checked before anything is written (each problem names its file
 * and its setting, and stops the job with exit code 2). The functions get the certificate, never
 * the key, in their payloads, and pin it. A user's certificate that expires within
 * {@link CERTIFICATE_EXPIRY_WARNING_MS} of the start comes with a warning: from its expiry on, the
 * functions refuse to pin it and every invocation ends with error lines.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { SpecError } from '../errors.js';
import { MAX_PINNED_CERTIFICATE_CHARS } from '../protocol/limits.js';
import { pemBlocks, readPinnedCertificate } from '../protocol/pinned-certificate.js';
import type { DispatcherServerTls } from '../rpc/dispatcher-tls.js';
import { selfSignedCertificate } from '../rpc/self-signed-certificate.js';
import type { DispatchSpec } from '../spec/types.js';
import { FileRefusal, readRegularFile } from '../util/regular-file.js';

/** Largest certificate or key file read. */
const MAX_PEM_FILE_BYTES = 1024 * 1024;

/** A user's certificate that expires within this time of the job's start gets a warning (24 h). */
export const CERTIFICATE_EXPIRY_WARNING_MS = 24 * 3600_000;

/** The dispatcher's TLS for one run of a job. */
export interface DispatcherTls {
  /** What the dispatcher serves: the certificate (chain) and its key. */
  server: DispatcherServerTls;
  /** The certificate the payloads carry and the functions pin (PEM, no key). */
  pinnedCert: string;
  /** SHA-256 of the pinned certificate, lowercase hex (for the job records). */
  sha256: string;
  /** Where it came from: made for this job, or the user's files. */
  source: 'self-signed' | 'files';
  /** Said before the job runs: the user's certificate expires soon (naming the file and the date). */
  warning?: string;
}

/** A problem of the file of `setting`, as a start-up check's issue under that setting. */
function fileError(setting: string, what: string, file: string, problem: string, cause?: unknown): SpecError {
  return new SpecError(
    [{ path: `dispatcher.${setting}`, message: `the ${what} file ${file} ${problem}` }],
    'cannot start the job',
    Infinity,
    cause ? { cause } : {},
  );
}

/** The text of a PEM file; a file that cannot be read is a `SpecError` naming it and its setting. */
async function readPemFile(setting: string, what: string, file: string): Promise<string> {
  try {
    const bytes = await readRegularFile(file, {
      maxBytes: MAX_PEM_FILE_BYTES,
      nonEmpty: true,
      what: `${what} file`,
    });
    return bytes.toString('utf8');
  } catch (err) {
    if (err instanceof FileRefusal) throw fileError(setting, what, file, err.detail, err);
    throw err;
  }
}

/** The user's certificate (chain) and key files, checked: PEM, a usable certificate valid now, the key of it. */
async function filesTls(certFile: string, keyFile: string, nowMs: number): Promise<DispatcherTls> {
  const [certText, keyText] = await Promise.all([
    readPemFile('tlsCert', 'certificate', certFile),
    readPemFile('tlsKey', 'key', keyFile),
  ]);
  const read = readPinnedCertificate(certText, nowMs, { allowChain: true });
  if ('problem' in read) throw fileError('tlsCert', 'certificate', certFile, read.problem);
  const leaf = read.cert;
  if (leaf.pem.length > MAX_PINNED_CERTIFICATE_CHARS)
    throw fileError(
      'tlsCert',
      'certificate',
      certFile,
      `holds a certificate over ${MAX_PINNED_CERTIFICATE_CHARS} characters of PEM`,
    );
  const keyBlocks = pemBlocks(keyText).filter((b) => b.label.endsWith('PRIVATE KEY'));
  if (keyBlocks.length !== 1)
    throw fileError('tlsKey', 'key', keyFile, `holds ${keyBlocks.length} PEM private keys (expected one)`);
  if ((keyBlocks[0] as { label: string }).label === 'ENCRYPTED PRIVATE KEY')
    throw fileError('tlsKey', 'key', keyFile, 'is encrypted (give the key without a passphrase)');
  let key: KeyObject;
  try {
    key = createPrivateKey(keyText);
  } catch (err) {
    throw fileError('tlsKey', 'key', keyFile, 'is not a readable PEM private key', err);
  }
  if (!new X509Certificate(leaf.pem).checkPrivateKey(key))
    throw fileError('tlsKey', 'key', keyFile, `is not the key of the certificate in ${certFile}`);
  return {
    server: { certPem: certText, keyPem: keyText },
    pinnedCert: leaf.pem,
    sha256: leaf.sha256,
    source: 'files',
    ...(leaf.validToMs - nowMs <= CERTIFICATE_EXPIRY_WARNING_MS
      ? { warning: expiryWarning(certFile, leaf.validToMs, nowMs) }
      : {}),
  };
}

/** The warning for the certificate of `certFile`, which expires at `validToMs`, soon after `nowMs`. */
function expiryWarning(certFile: string, validToMs: number, nowMs: number): string {
  const hours = Math.max(0, (validToMs - nowMs) / 3600_000);
  return (
    `the certificate file ${certFile} (dispatcher.tlsCert) expires on ${new Date(validToMs).toISOString()}, ` +
    `in ${hours < 1 ? 'less than an hour' : `${Math.floor(hours)} h`}: from then on the functions refuse it ` +
    `and every invocation ends with error lines; give a certificate that outlasts the run`
  );
}

/**
 * The TLS of a job's dispatcher at `nowMs`: none for a static job or a dispatcher in clear text.
 * Throws `SpecError` naming the setting and the file for a certificate or key file that cannot
 * be used.
 */
export async function prepareDispatcherTls(
  dispatch: DispatchSpec,
  nowMs: number,
): Promise<DispatcherTls | undefined> {
  if (dispatch.type !== 'dynamic') return undefined;
  const tls = dispatch.tls;
  if (tls.mode === 'off') return undefined;
  if (tls.mode === 'files') return filesTls(tls.certFile, tls.keyFile, nowMs);
  const made = selfSignedCertificate({ hosts: [dispatch.host, dispatch.advertiseHost], nowMs });
  return {
    server: { certPem: made.certPem, keyPem: made.keyPem },
    pinnedCert: made.certPem,
    sha256: made.sha256,
    source: 'self-signed',
  };
}
