/**
 * TLS of the split dispatcher: the server's credentials from a certificate and key, and the
 * worker's from the certificate its payload pins. The worker dials the address its deployment
 * resolved (an IP, usually) and checks the server's certificate against the pin, never against
 * the address: the pinned certificate is the only trust anchor (a certificate issued by a CA is
 * trusted as itself, not through its issuer), and the server's certificate must be exactly it
 * (same SHA-256). The token check on the stream stays as it is without TLS.
 */
import tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { AccessError } from '../errors.js';
import { certificateSha256, pemBlocks } from '../protocol/pinned-certificate.js';
import { joinHostPort } from '../util/loopback.js';

/** The name a worker sends as SNI and checks nothing against (the pin decides). */
const DISPATCHER_SERVER_NAME = 'obifaas-dispatcher';

/** The payload field a worker's pin comes from, for the errors that name it. */
const PIN_FIELD = 'dispatcher.tls.cert';

/** A certificate (chain) and its key, in PEM, that the dispatcher serves. */
export interface DispatcherServerTls {
  /** The certificate first, then any intermediates. */
  certPem: string;
  keyPem: string;
}

/** The server credentials: TLS with `server`'s certificate and key, or none (clear text). */
export function serverCredentials(server: DispatcherServerTls | undefined): grpc.ServerCredentials {
  if (!server) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(
    null,
    [{ cert_chain: Buffer.from(server.certPem), private_key: Buffer.from(server.keyPem) }],
    false,
  );
}

/** The SHA-256 of the first certificate of `pem`; throws when it holds none. */
function pinOf(pem: string): string {
  const first = pemBlocks(pem).find((b) => b.label === 'CERTIFICATE');
  if (!first) throw new AccessError(PIN_FIELD, 'holds no PEM certificate');
  return certificateSha256(first.der);
}

/** The message of a certificate other than the pinned one. */
function mismatch(where: string, presented: string, pinned: string): string {
  return (
    `the dispatcher at ${where} presented a certificate (SHA-256 ${presented}) other than the one ` +
    `this payload pins (SHA-256 ${pinned}): this worker does not send it its credential`
  );
}

/** Channel credentials that trust the certificate `pinnedPem` only, and check the server presents exactly it. */
export function pinnedChannelCredentials(pinnedPem: string, where: string): grpc.ChannelCredentials {
  const pinned = pinOf(pinnedPem);
  const context = tls.createSecureContext({ ca: pinnedPem, allowPartialTrustChain: true });
  return grpc.credentials.createFromSecureContext(context, {
    checkServerIdentity: (_name, cert) => {
      const presented = certificateSha256(cert.raw);
      return presented === pinned
        ? undefined
        : new AccessError(PIN_FIELD, mismatch(where, presented, pinned));
    },
  });
}

/** Channel options of a pinned channel: the SNI name (a name, never the address dialled). */
export const PINNED_CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.ssl_target_name_override': DISPATCHER_SERVER_NAME,
};

/**
 * Looks at the certificate the server at `host:port` presents, before the gRPC channel is made,
 * so that a wrong one is a clear refusal rather than a connection that keeps failing. Throws
 * {@link AccessError} (`dispatcher.tls.cert`) when the server presents another certificate or
 * answers without TLS; resolves when it presents the pinned one or cannot be reached at all (the
 * channel then says so, and trusts nothing but the pin either way).
 */
export async function checkPresentedCertificate(
  host: string,
  port: number,
  pinnedPem: string,
  timeoutMs: number,
): Promise<void> {
  const pinned = pinOf(pinnedPem);
  const where = joinHostPort(host, port);
  const outcome = await new Promise<{ presented: string } | { tlsProblem: string } | 'unreachable'>(
    (resolve) => {
      let connected = false;
      const socket = tls.connect({
        host,
        port,
        servername: DISPATCHER_SERVER_NAME,
        ALPNProtocols: ['h2'],
        // Only looked at here: the gRPC channel verifies the certificate itself.
        rejectUnauthorized: false,
      });
      const done = (result: { presented: string } | { tlsProblem: string } | 'unreachable'): void => {
        clearTimeout(timer);
        socket.destroy();
        resolve(result);
      };
      const timer = setTimeout(() => done('unreachable'), timeoutMs);
      socket.once('connect', () => (connected = true));
      socket.once('secureConnect', () => {
        const raw = socket.getPeerCertificate().raw as Buffer | undefined;
        done(raw ? { presented: certificateSha256(raw) } : { tlsProblem: 'it presented no certificate' });
      });
      socket.once('error', (err: NodeJS.ErrnoException) =>
        done(connected ? { tlsProblem: err.code ?? err.message } : 'unreachable'),
      );
    },
  );
  if (outcome === 'unreachable') return;
  if ('tlsProblem' in outcome)
    throw new AccessError(
      PIN_FIELD,
      `the dispatcher at ${where} did not complete a TLS handshake (${outcome.tlsProblem}): this payload pins a certificate, so this worker does not talk to it in clear text`,
    );
  if (outcome.presented !== pinned)
    throw new AccessError(PIN_FIELD, mismatch(where, outcome.presented, pinned));
}
