/**
 * The deployed functions of one prefix: listing them (or the sizes a command names), pinging
 * each (cold or warm, init time, from the REPORT line through the Lambda backend) and deleting
 * them.
 */
import { DeleteFunctionCommand, paginateListFunctions, type LambdaClient } from '@aws-sdk/client-lambda';
import { UserError } from '../errors.js';
import { LambdaBackend } from '../backends/lambda/lambda-backend.js';
import {
  createLambdaClient,
  describeEndpoint,
  functionNameFor,
  memoryOfFunctionName,
} from '../backends/lambda/lambda-client.js';
import { classifyLambdaError } from '../backends/lambda/lambda-errors.js';
import { parseMemoryList, type FunctionLocation } from './settings.js';

/** Attempts per management call (list, delete): the SDK's standard retries. */
const MANAGEMENT_MAX_ATTEMPTS = 3;

/** Any error of a management call, as a one-line `UserError`. */
export function lambdaUserError(
  err: unknown,
  operation: string,
  location: FunctionLocation,
  functionName?: string,
): UserError {
  if (err instanceof UserError) return err;
  const failure = classifyLambdaError(err, {
    operation,
    endpoint: describeEndpoint(location),
    ...(functionName ? { functionName } : {}),
    ...(location.region ? { region: location.region } : {}),
  });
  return new UserError(failure.message, { cause: new Error(failure.code) });
}

/** Memory sizes of the functions named `<prefix>-<memory>`, ascending. */
export async function listDeployedSizes(client: LambdaClient, location: FunctionLocation): Promise<number[]> {
  const sizes: number[] = [];
  try {
    for await (const page of paginateListFunctions({ client }, {})) {
      for (const fn of page.Functions ?? []) {
        const size = fn.FunctionName ? memoryOfFunctionName(location.prefix, fn.FunctionName) : undefined;
        if (size !== undefined) sizes.push(size);
      }
    }
  } catch (err) {
    throw lambdaUserError(err, 'ListFunctions', location);
  }
  return sizes.sort((a, b) => a - b);
}

/**
 * The memory sizes `ping` works on: those of `memory` (its `--memory` flag, `a,b`), else
 * those of every function deployed at `location`, listed with a client closed after.
 */
export async function chosenSizes(memory: string | undefined, location: FunctionLocation): Promise<number[]> {
  if (memory !== undefined) return parseMemoryList(memory);
  return withManagementClient(location, (client) => listDeployedSizes(client, location));
}

/** Runs `use` with a client for management calls at `location`, destroyed when it settles. */
async function withManagementClient<T>(
  location: FunctionLocation,
  use: (client: LambdaClient) => Promise<T>,
): Promise<T> {
  const client = createLambdaClient({ ...location, maxAttempts: MANAGEMENT_MAX_ATTEMPTS });
  try {
    return await use(client);
  } finally {
    client.destroy();
  }
}

/** One function's answer to a ping. */
export interface PingRow {
  function: string;
  memoryMb: number;
  ok: boolean;
  cold?: boolean;
  initMs?: number;
  durationMs?: number;
  billedMs?: number;
  maxMemoryUsedMb?: number;
  /** Round trip seen by this machine. */
  roundTripMs: number;
  node?: string;
  platform?: string;
  error?: string;
}

/** Invokes each function once with a ping payload. */
export async function pingFunctions(sizes: number[], location: FunctionLocation): Promise<PingRow[]> {
  return Promise.all(
    sizes.map(async (memoryMb) => {
      const backend = new LambdaBackend({
        memoryMb,
        functionPrefix: location.prefix,
        ...(location.region ? { region: location.region } : {}),
        ...(location.endpoint ? { endpoint: location.endpoint } : {}),
        maxConcurrency: 1,
        timeoutMs: 120_000,
      });
      try {
        const inv = await backend.invoke({ kind: 'ping' });
        const s = inv.stats;
        const base = { function: backend.functionName, memoryMb, roundTripMs: s.endedAt - s.submittedAt };
        if (!inv.ok) return { ...base, ok: false, error: inv.error.message };
        return {
          ...base,
          ok: true,
          cold: s.cold,
          initMs: s.initMs,
          durationMs: Math.round(s.durationMs * 100) / 100,
          billedMs: s.billedMs,
          ...(s.maxMemoryUsedMb !== undefined ? { maxMemoryUsedMb: s.maxMemoryUsedMb } : {}),
          node: inv.result.runtime.node,
          platform: inv.result.runtime.platform,
        };
      } finally {
        await backend.close();
      }
    }),
  );
}

/** What undeploy did to one function. */
export interface UndeployRow {
  function: string;
  memoryMb: number;
  result: 'deleted' | 'absent';
}

/**
 * Deletes the functions of the memory sizes in `memory` (`a,b`), else every function deployed at
 * `location`: one client lists them and deletes them. A function already gone is `absent`.
 */
export async function undeployFunctions(
  memory: string | undefined,
  location: FunctionLocation,
): Promise<UndeployRow[]> {
  const named = memory !== undefined ? parseMemoryList(memory) : undefined;
  return withManagementClient(location, async (client) =>
    deleteFunctions(client, named ?? (await listDeployedSizes(client, location)), location),
  );
}

async function deleteFunctions(
  client: LambdaClient,
  sizes: number[],
  location: FunctionLocation,
): Promise<UndeployRow[]> {
  const rows: UndeployRow[] = [];
  for (const memoryMb of sizes) {
    const name = functionNameFor(location.prefix, memoryMb);
    try {
      await client.send(new DeleteFunctionCommand({ FunctionName: name }));
      rows.push({ function: name, memoryMb, result: 'deleted' });
    } catch (err) {
      if ((err as { name?: string }).name === 'ResourceNotFoundException')
        rows.push({ function: name, memoryMb, result: 'absent' });
      else throw lambdaUserError(err, 'DeleteFunction', location, name);
    }
  }
  return rows;
}
