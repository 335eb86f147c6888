/**
 * Job options of dynamic dispatch and fault injection, as a user writes them (every field
 * optional; defaults and rules are applied by `compileDispatch`).
 */
import { z } from 'zod';

const duration = z.union([z.number(), z.string()]);
const percent = z.number().min(0).max(100);

/** Where the dispatcher listens and how it watches its workers (dynamic mode). */
export const dispatcherSchema = z.strictObject({
  /** Interface to bind; default 127.0.0.1. Cloud workers need one they can reach. */
  host: z.string().trim().min(1).optional(),
  /** Host name or address workers connect to; default `host`. */
  advertiseHost: z.string().trim().min(1).optional(),
  /** Port to bind; default any free port. */
  port: z.int().min(0).max(65_535).optional(),
  /** Heartbeat interval of the workers: '2s'. */
  keepAlive: duration.optional(),
  /** A worker not heard from for this long is given up: '10s'. */
  workerTimeout: duration.optional(),
});

/** Speculative copies of straggling splits (dynamic mode). */
export const speculationSchema = z.strictObject({
  enabled: z.boolean().optional(),
  quantile: z.number().min(0).lt(1).optional(),
  multiplier: z.number().min(1).optional(),
  interval: duration.optional(),
  extraWorker: z.boolean().optional(),
});

/** Faults to inject into workers, for experiments. */
export const faultsSchema = z.strictObject({
  failPercent: percent.optional(),
  delayPercent: percent.optional(),
  delayMax: duration.optional(),
  seed: z.int().min(0).max(0xffffffff).optional(),
});
