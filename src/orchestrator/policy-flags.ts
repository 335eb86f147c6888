/**
 * The job policy a command names: a built-in one (`default`, `fixed`), or a planning policy
 * (`cpr`, `deadline`) built from a CPR model (the reference's, or one read from a file) and the
 * price of one function second.
 */
import { readFile } from 'node:fs/promises';
import { messageOf, UserError } from '../errors.js';
import { resolvePolicy } from './policies.js';
import type { JobPolicy } from './types.js';

/** Policies a replay or a simulation can use. */
export const NAMED_POLICIES = ['default', 'fixed', 'cpr', 'deadline'] as const;

export interface PolicyFlags {
  policy: string;
  /** `cpr`: dollars per million images. */
  cprPerMillion?: number;
  /** `deadline`: milliseconds. */
  deadline?: number;
  /** CPR model JSON (default: the reference model). */
  cprModel?: string;
}

export interface PolicyContext {
  /** Dollars per second of one function (memory x GB-second price). */
  pricePerSecondUsd: number;
  maxWorkers: number;
}

/** The policy the flags name; throws {@link UserError} naming the flag that is wrong or missing. */
export async function policyFromFlags(flags: PolicyFlags, context: PolicyContext): Promise<JobPolicy> {
  if (!(NAMED_POLICIES as readonly string[]).includes(flags.policy))
    throw new UserError(`--policy: unknown policy '${flags.policy}' (known: ${NAMED_POLICIES.join(', ')})`);
  if (flags.policy !== 'cpr' && flags.policy !== 'deadline') return resolvePolicy(flags.policy);
  if (flags.policy === 'cpr' && flags.cprPerMillion === undefined)
    throw new UserError('--policy cpr needs --cpr-per-million USD');
  if (flags.policy === 'deadline' && flags.deadline === undefined)
    throw new UserError('--policy deadline needs --deadline DURATION');
  const { cprPolicy, deadlinePolicy } = await import('../planning/planner.js');
  const { parseCprModel, REFERENCE_CPR_MODEL } = await import('../planning/cpr-model.js');
  let model = REFERENCE_CPR_MODEL;
  if (flags.cprModel !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(flags.cprModel, 'utf8'));
    } catch (err) {
      throw new UserError(`--cpr-model: cannot read '${flags.cprModel}': ${messageOf(err)}`, { cause: err });
    }
    model = parseCprModel(json, flags.cprModel);
  }
  const options = { model, pricePerSecondUsd: context.pricePerSecondUsd, maxWorkers: context.maxWorkers };
  return flags.policy === 'cpr'
    ? cprPolicy(flags.cprPerMillion as number, options)
    : deadlinePolicy((flags.deadline as number) / 1000, options);
}
