import { describe, expect, it } from 'vitest';
import { AccessError } from '../../errors.js';
import { DEFAULT_DISPATCHERS } from '../../protocol/function-access.js';
import { dispatcherAddress, DispatcherNetworks } from './dispatcher-address.js';

describe('dispatcherAddress', () => {
  const loopback = new DispatcherNetworks(DEFAULT_DISPATCHERS);

  it('dials loopback by default, by address or by name', async () => {
    expect(await dispatcherAddress('127.0.0.1', loopback)).toBe('127.0.0.1');
    expect(await dispatcherAddress('[::1]', loopback)).toBe('::1');
    expect(['127.0.0.1', '::1']).toContain(await dispatcherAddress('localhost', loopback));
  });

  it.each(['10.1.2.3', '169.254.169.254', '8.8.8.8', '::ffff:10.0.0.1', '0.0.0.0'])(
    'refuses %s outside the allowed networks',
    async (host) => {
      await expect(dispatcherAddress(host, loopback)).rejects.toBeInstanceOf(AccessError);
    },
  );

  it('dials the networks and host names the deployment names', async () => {
    const vpc = new DispatcherNetworks(['10.0.0.0/16', '192.168.1.7', 'localhost']);
    expect(await dispatcherAddress('10.0.42.1', vpc)).toBe('10.0.42.1');
    expect(await dispatcherAddress('192.168.1.7', vpc)).toBe('192.168.1.7');
    await expect(dispatcherAddress('10.1.0.1', vpc)).rejects.toThrow(
      /dispatcher\.host: '10\.1\.0\.1' is outside/,
    );
    expect(await dispatcherAddress('LOCALHOST', vpc)).toBeTruthy();
  });

  it('reports a name that does not resolve as a connection failure, not a refusal', async () => {
    const err = await dispatcherAddress('no-such-host.invalid', loopback).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(AccessError);
    expect((err as Error).message).toMatch(/cannot resolve the dispatcher host 'no-such-host\.invalid'/);
  });
});
