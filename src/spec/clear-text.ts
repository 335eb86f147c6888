/**
 * Where a job's secrets would travel unencrypted (pure): the warnings `obifaas run` prints
 * before it starts. A split dispatcher told to speak clear text (`--dispatcher-tls off`) on a
 * non-loopback address lets the workers' credentials and their results cross the network in
 * clear text (with TLS, the default there, it warns of nothing); an `http://`
 * function URL off this machine carries the function token (or the URL's own credentials) in
 * clear text.
 */
import { isLoopbackName } from '../util/loopback.js';
import { redactUrlCredentials } from '../util/redact.js';
import type { ResolvedJobSpec } from './types.js';

/** The warnings for `spec`; `functionToken` says whether a function token is set. */
export function clearTextWarnings(spec: ResolvedJobSpec, functionToken: boolean): string[] {
  const warnings: string[] = [];
  const dispatch = spec.dispatch;
  if (dispatch.type === 'dynamic' && dispatch.tls.mode === 'off' && !isLoopbackName(dispatch.host)) {
    warnings.push(
      `the dispatcher listens on ${dispatch.host} without encryption (--dispatcher-tls off): the workers' credentials and results travel in clear text (keep it on a private network, see docs/cloud.md)`,
    );
  }
  if (spec.backend.type === 'http') {
    for (const base of spec.backend.urls) {
      let url: URL;
      try {
        url = new URL(base);
      } catch {
        continue;
      }
      const credentials = url.username !== '' || url.password !== '';
      if (url.protocol !== 'http:' || isLoopbackName(url.hostname) || !(functionToken || credentials))
        continue;
      warnings.push(
        `${credentials ? "the URL's credentials travel" : 'the function token travels'} in clear text to ${redactUrlCredentials(base)} (use https://, or a private network)`,
      );
    }
  }
  return warnings;
}
