/**
 * Loopback names and addresses (pure): where a connection never leaves this machine, and how a
 * host and port are written together.
 */

/** `host` without the brackets of an IPv6 address written as in a URL (`[::1]` is `::1`). */
export function unbracketHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** True for an address that means every interface (`0.0.0.0`, `::`, brackets allowed): one to bind, never to dial or name. */
export function isWildcardAddress(host: string): boolean {
  const bare = unbracketHost(host);
  return bare === '0.0.0.0' || bare === '::';
}

/** True for `localhost` (and `*.localhost`), an address in 127.0.0.0/8, or `::1` (brackets allowed). */
export function isLoopbackName(host: string): boolean {
  const lower = unbracketHost(host).toLowerCase();
  return (
    lower === 'localhost' ||
    lower.endsWith('.localhost') ||
    lower === '::1' ||
    lower === '0:0:0:0:0:0:0:1' ||
    /^127(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(lower)
  );
}

/** `host:port`, with an IPv6 address in brackets (`[::1]:50051`), as URLs and gRPC targets write it. */
export function joinHostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
