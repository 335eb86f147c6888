/**
 * The dispatch part of a job spec (pure): the mode's settings with defaults and units (the
 * dispatcher's TLS included), and the fault injection policy. Problems go to `issues`, each with its dotted field path.
 */
import type { FaultPolicy } from '../core/faults.js';
import {
  DEFAULT_SPECULATION_EXTRA_WORKERS,
  DEFAULT_SPECULATION_INTERVAL_MS,
  DEFAULT_SPECULATION_MULTIPLIER,
  DEFAULT_SPECULATION_QUANTILE,
} from '../core/speculation.js';
import type { Issue } from '../errors.js';
import {
  DEFAULT_DISPATCHER_HOST,
  DEFAULT_KEEP_ALIVE_INTERVAL_MS,
  DEFAULT_WORKER_SILENT_TIMEOUT_MS,
} from '../rpc/defaults.js';
import { DEFAULT_MAX_RETRIES } from './defaults.js';
import { parseDurationMs } from '../util/duration.js';
import type { JobOptions } from './schema.js';
import { isLoopbackName, isWildcardAddress } from '../util/loopback.js';
import type { DispatchSpec, DispatcherTlsSpec, DynamicDispatchSpec, ResolvedSpeculation } from './types.js';

/** Longest delay per split fault injection accepts when `faults.delayMax` is not given. */
export const DEFAULT_FAULT_DELAY_MAX_MS = 5_000;
/** Seed of fault injection when none is given (a run is reproducible either way). */
export const DEFAULT_FAULT_SEED = 1;

function durationMs(
  value: string | number | undefined,
  path: string,
  fallback: number,
  issues: Issue[],
): number {
  if (value === undefined) return fallback;
  const parsed = parseDurationMs(value);
  if ('error' in parsed) {
    issues.push({ path, message: parsed.error });
    return fallback;
  }
  return parsed.ms;
}

function compileSpeculation(o: JobOptions, issues: Issue[]): ResolvedSpeculation | null {
  const s = o.speculation ?? {};
  if (s.enabled !== true) return null;
  return {
    quantile: s.quantile ?? DEFAULT_SPECULATION_QUANTILE,
    multiplier: s.multiplier ?? DEFAULT_SPECULATION_MULTIPLIER,
    intervalMs: durationMs(s.interval, 'speculation.interval', DEFAULT_SPECULATION_INTERVAL_MS, issues),
    extraWorkers: s.extraWorker === false ? 0 : DEFAULT_SPECULATION_EXTRA_WORKERS,
  };
}

/**
 * The dispatcher's TLS: `auto` (the default) is on with the user's files when given, else on
 * with a certificate of the job's own when the dispatcher binds off loopback, else off; `on`
 * is the same without the loopback exception; `off` is clear text and takes no files. Files are
 * kept as given here (`compileJobSpec` makes them absolute, as it does the model's path) and read
 * when the job starts.
 */
function compileTls(o: JobOptions, host: string, issues: Issue[]): DispatcherTlsSpec {
  const d = o.dispatcher ?? {};
  const mode = d.tls ?? 'auto';
  const given = (['tlsCert', 'tlsKey'] as const).filter((key) => d[key] !== undefined);
  if (mode === 'off') {
    for (const key of given)
      issues.push({ path: `dispatcher.${key}`, message: "is set, but dispatcher.tls is 'off' (clear text)" });
    return { mode: 'off' };
  }
  if (given.length === 1) {
    const missing = given[0] === 'tlsCert' ? 'tlsKey' : 'tlsCert';
    issues.push({
      path: `dispatcher.${missing}`,
      message: `missing: dispatcher.${given[0]} is set, and the certificate and its key go together`,
    });
  }
  if (d.tlsCert !== undefined && d.tlsKey !== undefined) {
    return { mode: 'files', certFile: d.tlsCert, keyFile: d.tlsKey };
  }
  return mode === 'on' || !isLoopbackName(host) ? { mode: 'self-signed' } : { mode: 'off' };
}

function compileDynamic(o: JobOptions, issues: Issue[]): DynamicDispatchSpec {
  const d = o.dispatcher ?? {};
  const keepAliveIntervalMs = durationMs(
    d.keepAlive,
    'dispatcher.keepAlive',
    DEFAULT_KEEP_ALIVE_INTERVAL_MS,
    issues,
  );
  const workerSilentTimeoutMs = durationMs(
    d.workerTimeout,
    'dispatcher.workerTimeout',
    Math.max(DEFAULT_WORKER_SILENT_TIMEOUT_MS, 5 * keepAliveIntervalMs),
    issues,
  );
  if (workerSilentTimeoutMs <= keepAliveIntervalMs) {
    issues.push({
      path: 'dispatcher.workerTimeout',
      message: `must be longer than the heartbeat interval dispatcher.keepAlive (${keepAliveIntervalMs} ms), got ${workerSilentTimeoutMs} ms`,
    });
  }
  const host = d.host ?? DEFAULT_DISPATCHER_HOST;
  if (d.advertiseHost === undefined && isWildcardAddress(host)) {
    issues.push({
      path: 'dispatcher.advertiseHost',
      message: `required when dispatcher.host is '${host}' (all interfaces): the address workers connect to`,
    });
  }
  return {
    type: 'dynamic',
    maxSplitRetries: o.maxSplitRetries ?? o.maxRetries ?? DEFAULT_MAX_RETRIES,
    keepAliveIntervalMs,
    workerSilentTimeoutMs,
    host,
    advertiseHost: d.advertiseHost ?? host,
    port: d.port ?? 0,
    speculation: compileSpeculation(o, issues),
    tls: compileTls(o, host, issues),
  };
}

/**
 * The dispatch spec of a mode that exists and is available. The dispatcher's certificate files
 * are kept as given: `compileJobSpec` resolves them with the job's other paths.
 */
export function compileDispatch(mode: string, o: JobOptions, issues: Issue[]): DispatchSpec {
  if (mode === 'dynamic') return compileDynamic(o, issues);
  if (o.speculation?.enabled === true) {
    issues.push({
      path: 'speculation.enabled',
      message: `speculative copies need dynamic dispatch (mode 'dynamic'), but the mode is '${mode}'`,
    });
  }
  return { type: 'static' };
}

/** The fault injection policy, or undefined when no fault is asked for. */
export function compileFaults(o: JobOptions, issues: Issue[]): FaultPolicy | undefined {
  const f = o.faults;
  if (!f) return undefined;
  const failPercent = f.failPercent ?? 0;
  const delayPercent = f.delayPercent ?? 0;
  const delayMaxMs = durationMs(f.delayMax, 'faults.delayMax', DEFAULT_FAULT_DELAY_MAX_MS, issues);
  const readErrorPercent = f.readErrorPercent ?? 0;
  if (failPercent === 0 && delayPercent === 0 && readErrorPercent === 0) return undefined;
  return {
    failPercent,
    delayPercent,
    delayMaxMs,
    ...(readErrorPercent > 0 ? { readErrorPercent } : {}),
    seed: f.seed ?? DEFAULT_FAULT_SEED,
  };
}
