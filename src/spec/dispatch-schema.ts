/**
 * Job options of dynamic dispatch and fault injection, as a user writes them (every field
 * optional; defaults and rules are applied by `compileDispatch`).
 */
import * as z from 'zod';
import { MAX_PORT } from '../protocol/limits.js';
import { durationSchema } from '../util/duration.js';
import { intRange, nonEmptyString, numberRange } from '../util/schema.js';
import { configKey } from './config-meta.js';

/** TLS of the split dispatcher as a user asks for it (see `compile-dispatch.ts`). */
const DISPATCHER_TLS_MODES = ['auto', 'on', 'off'] as const;

const percent = numberRange({ min: 0, max: 100 });

/** Where the dispatcher listens and how it watches its workers (dynamic mode). */
export const dispatcherSchema = z.strictObject({
  keepAlive: configKey(durationSchema, {
    flag: '--keep-alive',
    valueName: 'DURATION',
    env: 'OBIFAAS_KEEP_ALIVE',
    kind: 'duration',
    defaultText: '2s',
    description: 'dynamic: heartbeat interval of the workers',
  }).optional(),
  workerTimeout: configKey(durationSchema, {
    flag: '--worker-timeout',
    valueName: 'DURATION',
    env: 'OBIFAAS_WORKER_TIMEOUT',
    kind: 'duration',
    defaultText: '5 x keepAlive (10s)',
    description: 'dynamic: a worker silent this long is given up and its split retried',
  }).optional(),
  host: configKey(nonEmptyString, {
    flag: '--dispatcher-host',
    valueName: 'HOST',
    env: 'OBIFAAS_DISPATCHER_HOST',
    defaultText: '127.0.0.1',
    description: 'dynamic: interface the split dispatcher binds (cloud workers need one they can reach)',
  }).optional(),
  advertiseHost: configKey(nonEmptyString, {
    flag: '--advertise-host',
    valueName: 'HOST',
    env: 'OBIFAAS_ADVERTISE_HOST',
    defaultText: 'dispatcher.host',
    description: 'dynamic: host name or address workers are told to connect to',
  }).optional(),
  port: configKey(intRange(0, MAX_PORT), {
    flag: '--dispatcher-port',
    valueName: 'PORT',
    env: 'OBIFAAS_DISPATCHER_PORT',
    defaultText: 'any free port',
    description: 'dynamic: port the split dispatcher binds',
  }).optional(),
  tls: configKey(z.enum(DISPATCHER_TLS_MODES), {
    flag: '--dispatcher-tls',
    valueName: 'MODE',
    env: 'OBIFAAS_DISPATCHER_TLS',
    defaultText: 'auto',
    description:
      "dynamic: TLS of the split dispatcher: 'auto' (on when it binds off loopback or a certificate is given), 'on', 'off' (clear text)",
  }).optional(),
  tlsCert: configKey(nonEmptyString, {
    flag: '--dispatcher-tls-cert',
    valueName: 'FILE',
    env: 'OBIFAAS_DISPATCHER_TLS_CERT',
    kind: 'path',
    defaultText: 'a new self-signed one per job',
    description: "dynamic: the dispatcher's certificate (PEM, then any intermediates); workers pin it",
  }).optional(),
  tlsKey: configKey(nonEmptyString, {
    flag: '--dispatcher-tls-key',
    valueName: 'FILE',
    env: 'OBIFAAS_DISPATCHER_TLS_KEY',
    kind: 'path',
    defaultText: 'with --dispatcher-tls-cert',
    description: 'dynamic: the private key of --dispatcher-tls-cert (PEM); it never leaves the job manager',
  }).optional(),
});

/** Speculative copies of straggling splits (dynamic mode). */
export const speculationSchema = z.strictObject({
  enabled: configKey(z.boolean(), {
    flag: '--speculation',
    valueName: 'BOOL',
    env: 'OBIFAAS_SPECULATION',
    defaultText: 'false',
    description: 'dynamic: copy splits of straggling workers; the first result wins',
  }).optional(),
  quantile: configKey(z.number().min(0).lt(1), {
    flag: '--speculation-quantile',
    valueName: 'Q',
    env: 'OBIFAAS_SPECULATION_QUANTILE',
    defaultText: '0.75',
    description: 'speculation starts once this share of the splits is done',
  }).optional(),
  multiplier: configKey(numberRange({ min: 1 }), {
    flag: '--speculation-multiplier',
    valueName: 'X',
    env: 'OBIFAAS_SPECULATION_MULTIPLIER',
    defaultText: '2',
    description: 'copy a split running longer than X times the median split',
  }).optional(),
  interval: configKey(durationSchema, {
    flag: '--speculation-interval',
    valueName: 'DURATION',
    env: 'OBIFAAS_SPECULATION_INTERVAL',
    kind: 'duration',
    defaultText: '500ms',
    description: 'how often stragglers are looked for',
  }).optional(),
  extraWorker: configKey(z.boolean(), {
    valueName: 'BOOL',
    defaultText: 'true',
    description: 'invoke one extra worker to run the first copies',
  }).optional(),
});

/** Faults to inject into workers, for experiments. */
export const faultsSchema = z.strictObject({
  failPercent: configKey(percent, {
    flag: '--fail-percent',
    valueName: 'P',
    env: 'OBIFAAS_FAIL_PERCENT',
    defaultText: '0',
    description: 'experiments: % of workers that raise an error after their first split',
  }).optional(),
  delayPercent: configKey(percent, {
    flag: '--delay-percent',
    valueName: 'P',
    env: 'OBIFAAS_DELAY_PERCENT',
    defaultText: '0',
    description: 'experiments: % of workers that sleep before each split',
  }).optional(),
  delayMax: configKey(durationSchema, {
    flag: '--delay-max',
    valueName: 'DURATION',
    env: 'OBIFAAS_DELAY_MAX',
    kind: 'duration',
    defaultText: '5s',
    description: 'experiments: longest sleep per split (each slow worker draws one up to this)',
  }).optional(),
  readErrorPercent: configKey(percent, {
    flag: '--read-error-percent',
    valueName: 'P',
    env: 'OBIFAAS_READ_ERROR_PERCENT',
    defaultText: '0',
    description:
      'experiments: % of inputs whose read fails with a passing error (S3 SlowDown) on each attempt',
  }).optional(),
  seed: configKey(intRange(0, 0xffffffff), {
    flag: '--fault-seed',
    valueName: 'N',
    env: 'OBIFAAS_FAULT_SEED',
    defaultText: '1',
    description: 'experiments: seed of the choice of faulty workers, delays and read errors',
  }).optional(),
});
