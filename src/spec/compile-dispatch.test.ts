import { describe, expect, it } from 'vitest';
import type { Issue } from '../errors.js';
import { layerFromEnv, layerFromFlags } from '../config/layers.js';
import { compileJobSpec } from './compile.js';
import type { ResolvedJobSpec } from './types.js';
import { specErrorOf } from '../../test/support/spec-error.js';

const context = { cores: 4, now: new Date('2024-05-01T12:00:00Z'), cwd: '/work' };
const compile = (options: Record<string, unknown>): ResolvedJobSpec =>
  compileJobSpec({ inputs: 'in.txt', model: 'tiny', ...options }, context);

const issuesOf = (options: Record<string, unknown>): Issue[] => specErrorOf(() => compile(options)).issues;

describe("the dispatcher's TLS", () => {
  const tlsOf = (dispatcher: Record<string, unknown>): unknown => {
    const { dispatch } = compile({ mode: 'dynamic', dispatcher });
    return dispatch.type === 'dynamic' ? dispatch.tls : undefined;
  };

  it('is on with a certificate of the job off loopback, off on loopback, unless told', () => {
    expect(tlsOf({})).toEqual({ mode: 'off' });
    expect(tlsOf({ host: 'localhost' })).toEqual({ mode: 'off' });
    expect(tlsOf({ host: '10.0.0.5' })).toEqual({ mode: 'self-signed' });
    expect(tlsOf({ host: '0.0.0.0', advertiseHost: '127.0.0.1' })).toEqual({ mode: 'self-signed' });
    expect(tlsOf({ tls: 'on' })).toEqual({ mode: 'self-signed' });
    expect(tlsOf({ host: '10.0.0.5', tls: 'off' })).toEqual({ mode: 'off' });
  });

  it("uses the user's files (resolved against the working folder) whenever both are given", () => {
    const files = { mode: 'files', certFile: '/work/tls/cert.pem', keyFile: '/etc/key.pem' };
    expect(tlsOf({ tlsCert: 'tls/cert.pem', tlsKey: '/etc/key.pem' })).toEqual(files);
    expect(tlsOf({ tls: 'on', tlsCert: 'tls/cert.pem', tlsKey: '/etc/key.pem' })).toEqual(files);
  });

  it('refuses a certificate without its key, files with TLS off, and an unknown mode', () => {
    expect(issuesOf({ mode: 'dynamic', dispatcher: { tlsCert: 'c.pem' } })).toEqual([
      { path: 'dispatcher.tlsKey', message: expect.stringMatching(/missing: dispatcher.tlsCert is set/) },
    ]);
    expect(issuesOf({ mode: 'dynamic', dispatcher: { tls: 'off', tlsKey: 'k.pem' } })).toEqual([
      { path: 'dispatcher.tlsKey', message: "is set, but dispatcher.tls is 'off' (clear text)" },
    ]);
    expect(issuesOf({ mode: 'dynamic', dispatcher: { tls: 'yes' } })[0]?.path).toBe('dispatcher.tls');
  });

  it('comes from --dispatcher-tls, --dispatcher-tls-cert/-key and their variables', () => {
    const issues: Issue[] = [];
    const flags = layerFromFlags(
      { dispatcherTls: 'on', dispatcherTlsCert: 'c.pem', dispatcherTlsKey: 'k.pem' },
      issues,
    );
    expect(flags.values).toMatchObject({ dispatcher: { tls: 'on', tlsCert: 'c.pem', tlsKey: 'k.pem' } });
    const env = layerFromEnv({ OBIFAAS_DISPATCHER_TLS: 'off', OBIFAAS_DISPATCHER_TLS_CERT: 'c.pem' }, issues);
    expect(env.values).toMatchObject({ dispatcher: { tls: 'off', tlsCert: 'c.pem' } });
    expect(issues).toEqual([]);
  });
});

describe('dynamic dispatch spec', () => {
  it('applies the reference defaults', () => {
    const spec = compile({ mode: 'dynamic' });
    expect(spec.dispatch).toEqual({
      type: 'dynamic',
      maxSplitRetries: 1,
      keepAliveIntervalMs: 2000,
      workerSilentTimeoutMs: 10_000,
      host: '127.0.0.1',
      advertiseHost: '127.0.0.1',
      port: 0,
      speculation: null,
      tls: { mode: 'off' },
    });
    expect(spec.faults).toBeUndefined();
    expect(compile({}).dispatch).toEqual({ type: 'static' });
  });

  it('resolves every setting with units, speculation and faults', () => {
    const spec = compile({
      mode: 'dynamic',
      maxRetries: 3,
      dispatcher: {
        host: '0.0.0.0',
        advertiseHost: '10.0.0.5',
        port: 7000,
        keepAlive: '500ms',
        workerTimeout: 3,
      },
      speculation: { enabled: true, quantile: 0.5, multiplier: 3, interval: '1s', extraWorker: false },
      faults: { failPercent: 10, delayPercent: 20, delayMax: '2s', seed: 9 },
    });
    expect(spec.dispatch).toEqual({
      type: 'dynamic',
      maxSplitRetries: 3,
      keepAliveIntervalMs: 500,
      workerSilentTimeoutMs: 3000,
      host: '0.0.0.0',
      advertiseHost: '10.0.0.5',
      port: 7000,
      speculation: { quantile: 0.5, multiplier: 3, intervalMs: 1000, extraWorkers: 0 },
      tls: { mode: 'self-signed' },
    });
    expect(spec.faults).toEqual({ failPercent: 10, delayPercent: 20, delayMaxMs: 2000, seed: 9 });
    expect(compile({ mode: 'dynamic', maxRetries: 3, maxSplitRetries: 0 }).dispatch).toMatchObject({
      maxSplitRetries: 0,
    });
    expect(compile({ mode: 'dynamic', dispatcher: { keepAlive: '4s' } }).dispatch).toMatchObject({
      workerSilentTimeoutMs: 20_000,
    });
    expect(compile({ faults: { failPercent: 0, seed: 3 } }).faults).toBeUndefined();
    expect(compile({ faults: { readErrorPercent: 5 } }).faults).toEqual({
      failPercent: 0,
      delayPercent: 0,
      delayMaxMs: 5000,
      readErrorPercent: 5,
      seed: 1,
    });
    expect(compile({ faults: { readErrorPercent: 0, seed: 3 } }).faults).toBeUndefined();
  });

  it('reports every mistake with its path', () => {
    const issues = issuesOf({
      mode: 'dynamic',
      dispatcher: { host: '0.0.0.0', keepAlive: '2s', workerTimeout: '1s', port: 70_000 },
      speculation: { enabled: true, quantile: 1, interval: 'often' },
      faults: { failPercent: 150, delayMax: 'long', readErrorPercent: -1 },
    });
    const paths = issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'dispatcher.port',
        'speculation.quantile',
        'faults.failPercent',
        'faults.readErrorPercent',
      ]),
    );
    const again = issuesOf({
      mode: 'dynamic',
      dispatcher: { host: '0.0.0.0', keepAlive: '2s', workerTimeout: '1s' },
      speculation: { enabled: true, interval: 'often' },
      faults: { delayPercent: 10, delayMax: 'long' },
    });
    expect(again).toEqual(
      expect.arrayContaining([
        {
          path: 'dispatcher.workerTimeout',
          message: 'must be longer than the heartbeat interval dispatcher.keepAlive (2000 ms), got 1000 ms',
        },
        {
          path: 'dispatcher.advertiseHost',
          message:
            "required when dispatcher.host is '0.0.0.0' (all interfaces): the address workers connect to",
        },
        expect.objectContaining({ path: 'speculation.interval' }),
        expect.objectContaining({ path: 'faults.delayMax' }),
      ]),
    );
    expect(issuesOf({ speculation: { enabled: true } })).toEqual([
      {
        path: 'speculation.enabled',
        message: "speculative copies need dynamic dispatch (mode 'dynamic'), but the mode is 'static'",
      },
    ]);
  });

  it('reads the flags and environment variables, booleans included', () => {
    const issues: Issue[] = [];
    const flags = layerFromFlags(
      {
        mode: 'dynamic',
        speculation: true,
        speculationQuantile: '0.5',
        keepAlive: '1s',
        workerTimeout: '5s',
        maxSplitRetries: '2',
        failPercent: '20',
        delayMax: '3s',
        dispatcherHost: '127.0.0.1',
        advertiseHost: 'localhost',
      },
      issues,
    );
    expect(issues).toEqual([]);
    expect(flags.values).toEqual({
      mode: 'dynamic',
      maxSplitRetries: 2,
      speculation: { enabled: true, quantile: 0.5 },
      dispatcher: { keepAlive: '1s', workerTimeout: '5s', host: '127.0.0.1', advertiseHost: 'localhost' },
      faults: { failPercent: 20, delayMax: '3s' },
    });
    const env = layerFromEnv({ OBIFAAS_SPECULATION: 'yes', OBIFAAS_DELAY_PERCENT: '5' }, issues);
    expect(env.values).toEqual({ speculation: { enabled: true }, faults: { delayPercent: 5 } });
    layerFromEnv({ OBIFAAS_SPECULATION: 'maybe' }, issues);
    expect(issues).toEqual([
      { path: 'OBIFAAS_SPECULATION (environment)', message: "expected true or false, got 'maybe'" },
    ]);
    expect(layerFromFlags({ speculation: 'off' }, []).values).toEqual({ speculation: { enabled: false } });
  });
});
