import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AccessError } from '../../errors.js';
import { selfSignedCertificate } from '../../rpc/self-signed-certificate.js';
import { checkDispatcherPin } from './dispatcher-pin.js';

const nowMs = Date.UTC(2026, 5, 1);
const { certPem } = selfSignedCertificate({ hosts: ['10.0.0.5'], nowMs });
/** A certificate a user brings, valid for a week from `nowMs`. */
const weekLong = selfSignedCertificate({ hosts: ['10.0.0.5'], nowMs, validityMs: 7 * 86_400_000 }).certPem;

function refusal(run: () => void): AccessError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(AccessError);
    return err as AccessError;
  }
  throw new Error('not refused');
}

describe("a dynamic payload's pinned dispatcher certificate", () => {
  it('is accepted when usable, and clear text only when the deployment allows it', () => {
    expect(() => checkDispatcherPin({ cert: certPem }, 'required', nowMs)).not.toThrow();
    expect(() => checkDispatcherPin({ cert: certPem }, 'optional', nowMs)).not.toThrow();
    expect(() => checkDispatcherPin(undefined, 'optional', nowMs)).not.toThrow();
    const clear = refusal(() => checkDispatcherPin(undefined, 'required', nowMs));
    expect(clear.field).toBe('dispatcher.tls');
    expect(clear.message).toMatch(
      /requires TLS to the dispatcher \(OBIFAAS_FUNCTION_DISPATCHER_TLS=required\)/,
    );
    // The way out holds for a loopback dispatcher too, which is in clear text by default.
    expect(clear.message).toMatch(/run the job with --dispatcher-tls on\)$/);
  });

  it("is the job's own certificate, accepted however long its run lasts (it has no expiry)", () => {
    for (const later of [8 * 86_400_000, 365 * 86_400_000, 50 * 365 * 86_400_000])
      expect(checkDispatcherPin({ cert: certPem }, 'required', nowMs + later)?.validToMs).toBe(
        Date.UTC(9999, 11, 31, 23, 59, 59),
      );
    expect(() => checkDispatcherPin({ cert: weekLong }, 'required', nowMs + 6 * 86_400_000)).not.toThrow();
  });

  it('gives the certificate as read, not the text that carried it', () => {
    const padded = `text around it\n${certPem.replace(/\n/g, '\r\n')}\nmore text\n`;
    const pin = checkDispatcherPin({ cert: padded }, 'optional', nowMs);
    expect(pin?.pem).toBe(new X509Certificate(certPem).toString());
    expect(pin?.pem).not.toContain('text');
  });

  it('is refused, naming dispatcher.tls.cert, when it cannot be pinned', () => {
    for (const [cert, at, problem] of [
      ['not a certificate', nowMs, /holds no PEM certificate/],
      [certPem + certPem, nowMs, /holds 2 certificates/],
      [weekLong, nowMs + 8 * 86_400_000, /expired on 2026-06-08T/],
      [certPem, nowMs - 2 * 3600_000, /is not valid before 2026-05-31T23:00:00/],
    ] as const) {
      const err = refusal(() => checkDispatcherPin({ cert }, 'optional', at));
      expect(err.field).toBe('dispatcher.tls.cert');
      expect(err.message).toMatch(problem);
      expect(err.message).toMatch(/^dispatcher\.tls\.cert: the pinned certificate /);
    }
  });
});
