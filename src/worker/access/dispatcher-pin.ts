/**
 * The dispatcher certificate a dynamic payload pins, checked before the worker dials: a
 * certificate that cannot be pinned (not one PEM certificate, too large, an unusable key, not
 * valid now) is refused, and so is a payload that pins none when the deployment requires TLS
 * (`OBIFAAS_FUNCTION_DISPATCHER_TLS=required`). Both are `AccessError`s naming the field.
 */
import { AccessError } from '../../errors.js';
import { FUNCTION_ACCESS_ENV, type DispatcherTlsRequirement } from '../../protocol/function-access.js';
import { readPinnedCertificate, type PinnedCertificate } from '../../protocol/pinned-certificate.js';

/**
 * Checks the payload's `dispatcher.tls` under the deployment's `requirement`, at `nowMs`: the
 * certificate as read (the one certificate, re-encoded from its parsed bytes), which is what the
 * worker then trusts; undefined for clear text.
 */
export function checkDispatcherPin(
  tls: { cert: string } | undefined,
  requirement: DispatcherTlsRequirement,
  nowMs: number,
): PinnedCertificate | undefined {
  if (tls === undefined) {
    if (requirement === 'required')
      throw new AccessError(
        'dispatcher.tls',
        `this function's deployment requires TLS to the dispatcher (${FUNCTION_ACCESS_ENV.dispatcherTls}=required), ` +
          "but the payload pins no certificate: the job's dispatcher speaks clear text (run the job with --dispatcher-tls on)",
      );
    return undefined;
  }
  const read = readPinnedCertificate(tls.cert, nowMs);
  if ('problem' in read)
    throw new AccessError('dispatcher.tls.cert', `the pinned certificate ${read.problem}`);
  return read.cert;
}
