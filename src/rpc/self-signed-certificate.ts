/**
 * The dispatcher's own certificate for one job: a new ECDSA P-256 key and a self-signed X.509 v3
 * certificate for it, written with `der-writer.ts` (Node signs but writes no certificates). The
 * certificate names the dispatcher's hosts in its subject alternative names, is a server
 * certificate only (no CA, digital signature, server authentication), and is valid from an hour
 * before it is made with no expiry (`EPHEMERAL_CERTIFICATE_NOT_AFTER_MS` says why). The key stays
 * in memory; the certificate travels in the payloads, where each function pins it.
 */
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import net from 'node:net';
import { CERTIFICATE_CLOCK_SKEW_MS, EPHEMERAL_CERTIFICATE_NOT_AFTER_MS } from './defaults.js';
import {
  derBitString,
  derBoolean,
  derExplicit,
  derImplicit,
  derObjectId,
  derOctetString,
  derSequence,
  derSet,
  derSmallInteger,
  derTime,
  derUnsignedInteger,
  derUtf8String,
  derValue,
} from './der-writer.js';
import { certificateSha256 } from '../protocol/pinned-certificate.js';
import { isWildcardAddress, unbracketHost } from '../util/loopback.js';

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  subjectAltName: '2.5.29.17',
  keyUsage: '2.5.29.15',
  basicConstraints: '2.5.29.19',
  extendedKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

/** The common name of the dispatcher's own certificates. */
export const SELF_SIGNED_COMMON_NAME = 'obifaas dispatcher';

/** A certificate and its key, in PEM, with the certificate's SHA-256 fingerprint. */
export interface DispatcherCertificate {
  certPem: string;
  /** PKCS #8 PEM; kept in memory, never written or sent. */
  keyPem: string;
  /** SHA-256 of the certificate's DER bytes, lowercase hex. */
  sha256: string;
}

/** What {@link selfSignedCertificate} makes. */
export interface SelfSignedOptions {
  /** Host names and IP addresses the certificate names (wildcard addresses are left out). */
  hosts: readonly string[];
  /** When it is made (epoch ms); default now. */
  nowMs?: number;
  /** How long it stays valid; default: until `EPHEMERAL_CERTIFICATE_NOT_AFTER_MS` (no expiry). */
  validityMs?: number;
}

/** The 16 bytes of an IPv6 address. */
function ipv6Bytes(address: string): Buffer {
  let text = address;
  const tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    tail.push(...(v4[1] as string).split('.').map(Number));
    text = text.slice(0, -(v4[1] as string).length) + '0:0';
  }
  const [head = '', rest] = text.split('::');
  const groups = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const before = groups(head);
  const after = rest === undefined ? [] : groups(rest);
  const words = [...before, ...new Array<number>(8 - before.length - after.length).fill(0), ...after];
  const bytes = Buffer.alloc(16);
  words.forEach((word, i) => bytes.writeUInt16BE(word, i * 2));
  if (tail.length === 4) Buffer.from(tail).copy(bytes, 12);
  return bytes;
}

/** The GeneralName of `host`: an iPAddress [7] or a dNSName [2]; null for one no certificate can name. */
function generalName(host: string): Buffer | null {
  const bare = unbracketHost(host);
  const type = net.isIP(bare);
  if (isWildcardAddress(bare)) return null; // every interface: no certificate can name it
  if (type === 4) return derImplicit(7, Buffer.from(bare.split('.').map(Number)));
  if (type === 6) return derImplicit(7, ipv6Bytes(bare));
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})$/.test(bare)) return null;
  return derImplicit(2, Buffer.from(bare.toLowerCase(), 'ascii'));
}

/** One extension: its id, whether it is critical, and its DER value. */
function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return derSequence(derObjectId(oid), ...(critical ? [derBoolean(true)] : []), derOctetString(value));
}

/** The SubjectAltName of `hosts`, duplicates and unnamable hosts left out. */
function subjectAltNames(hosts: readonly string[]): Buffer[] {
  const seen = new Set<string>();
  const names: Buffer[] = [];
  for (const host of hosts) {
    const name = generalName(host);
    if (name === null || seen.has(name.toString('hex'))) continue;
    seen.add(name.toString('hex'));
    names.push(name);
  }
  return names;
}

/** The TBSCertificate of a self-signed server certificate for `publicKey`. */
function toBeSigned(
  publicKey: KeyObject,
  options: { hosts: readonly string[]; nowMs: number; notAfterMs: number },
): Buffer {
  const name = derSequence(
    derSet(derSequence(derObjectId(OID.commonName), derUtf8String(SELF_SIGNED_COMMON_NAME))),
  );
  const serial = randomBytes(16);
  serial[0] = (serial[0] as number) & 0x7f;
  const altNames = subjectAltNames(options.hosts);
  // keyUsage: digitalSignature only (bit 0; 7 unused bits).
  const keyUsage = derValue(0x03, Buffer.from([0x07, 0x80]));
  const extensions = [
    extension(OID.basicConstraints, true, derSequence()),
    extension(OID.keyUsage, true, keyUsage),
    extension(OID.extendedKeyUsage, false, derSequence(derObjectId(OID.serverAuth))),
    ...(altNames.length > 0 ? [extension(OID.subjectAltName, false, derSequence(...altNames))] : []),
  ];
  const notBefore = options.nowMs - CERTIFICATE_CLOCK_SKEW_MS;
  return derSequence(
    derExplicit(0, derSmallInteger(2)),
    derUnsignedInteger(serial),
    derSequence(derObjectId(OID.ecdsaWithSha256)),
    name,
    derSequence(derTime(notBefore), derTime(options.notAfterMs)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    derExplicit(3, derSequence(...extensions)),
  );
}

/** PEM text of DER bytes under `label`. */
export function toPem(label: string, der: Uint8Array): string {
  const lines =
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** A new key and a self-signed certificate for the dispatcher at `options.hosts`. */
export function selfSignedCertificate(options: SelfSignedOptions): DispatcherCertificate {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const nowMs = options.nowMs ?? Date.now();
  const tbs = toBeSigned(publicKey, {
    hosts: options.hosts,
    nowMs,
    notAfterMs:
      options.validityMs === undefined ? EPHEMERAL_CERTIFICATE_NOT_AFTER_MS : nowMs + options.validityMs,
  });
  const signature = sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' });
  const der = derSequence(tbs, derSequence(derObjectId(OID.ecdsaWithSha256)), derBitString(signature));
  return {
    certPem: toPem('CERTIFICATE', der),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    sha256: certificateSha256(der),
  };
}
