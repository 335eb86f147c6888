/**
 * The one redaction of secrets in URLs (pure): `scheme://user:password@host` becomes
 * `scheme://user:***@host`, and `scheme://token@host` becomes `scheme://***@host`, anywhere in a
 * text. Every sink applies it: the job folder's files (`job.json`, `job.spec.json`, the JSON-lines
 * records), function logs, and what the CLI prints, so a password given in a function URL never
 * lands on disk or on a terminal. It is idempotent, and it never changes a storage key (a key
 * has no `//`).
 */

/** A scheme, then the user information up to the last `@` before the host. */
const URL_USER_INFO = /\b([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^\s/?#"'<>\\]*)@/g;

/** The masked user information: the user name stays, the password does not; a lone token goes. */
function mask(userInfo: string): string {
  const colon = userInfo.indexOf(':');
  return colon < 0 ? '***' : `${userInfo.slice(0, colon)}:***`;
}

/** `text` with the credentials of every URL in it masked. */
export function redactUrlCredentials(text: string): string {
  if (!text.includes('@')) return text;
  return text.replace(
    URL_USER_INFO,
    (_match, scheme: string, userInfo: string) => `${scheme}${mask(userInfo)}@`,
  );
}

/** True when `url` carries credentials (a user name or a password). */
export function hasUrlCredentials(url: string): boolean {
  return redactUrlCredentials(url) !== url;
}
