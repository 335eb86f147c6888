/**
 * The address a dynamic worker dials: the payload's dispatcher host, resolved once, and every
 * address it resolves to inside the networks the deployment allows (or the host named by the
 * deployment itself). The worker then dials the resolved address, so a name that resolves
 * differently a moment later (DNS rebinding) cannot move the connection elsewhere.
 */
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { AccessError } from '../../errors.js';
import { FUNCTION_ACCESS_ENV } from '../../protocol/function-access.js';
import { DispatcherError } from '../../rpc/dispatcher-error.js';
import { unbracketHost } from '../../util/loopback.js';

/** The deployment's dispatcher entries, as a block list of networks plus host names. */
export class DispatcherNetworks {
  private readonly networks = new net.BlockList();
  private readonly hostNames = new Set<string>();

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [address, bits] = entry.split('/');
      const type = net.isIP(address ?? '');
      if (type === 0) this.hostNames.add(entry.toLowerCase());
      else if (bits === undefined) this.networks.addAddress(address as string, type === 6 ? 'ipv6' : 'ipv4');
      else this.networks.addSubnet(address as string, Number(bits), type === 6 ? 'ipv6' : 'ipv4');
    }
  }

  /** True when the deployment allows the address `ip`. */
  allowsAddress(ip: string): boolean {
    const type = net.isIP(ip);
    return type !== 0 && this.networks.check(ip, type === 6 ? 'ipv6' : 'ipv4');
  }

  /** True when the deployment names `host` itself. */
  allowsHostName(host: string): boolean {
    return this.hostNames.has(host.toLowerCase());
  }
}

/**
 * The address to dial for the dispatcher at `host`: an address it resolves to, once every one
 * of them is allowed. Throws {@link AccessError} (`dispatcher.host`) otherwise; a name that
 * does not resolve is an ordinary connection failure (it may come back).
 */
export async function dispatcherAddress(host: string, networks: DispatcherNetworks): Promise<string> {
  const refused = (): AccessError =>
    new AccessError(
      'dispatcher.host',
      `'${host}' is outside the networks this function's deployment lets it dial (${FUNCTION_ACCESS_ENV.dispatchers})`,
    );
  const bare = unbracketHost(host);
  if (net.isIP(bare) !== 0) {
    if (!networks.allowsAddress(bare)) throw refused();
    return bare;
  }
  let resolved: { address: string }[];
  try {
    resolved = await lookup(bare, { all: true, verbatim: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'lookup failed';
    throw new DispatcherError(`cannot resolve the dispatcher host '${host}' (${code})`, 'unreachable', {
      cause: err,
    });
  }
  if (resolved.length === 0)
    throw new DispatcherError(`cannot resolve the dispatcher host '${host}'`, 'unreachable');
  if (!networks.allowsHostName(bare) && !resolved.every((r) => networks.allowsAddress(r.address)))
    throw refused();
  return (resolved[0] as { address: string }).address;
}
