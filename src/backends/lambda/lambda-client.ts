/**
 * The Lambda SDK client behind the backend and the deploy commands: region and endpoint from
 * the configuration, credentials from the SDK's default chain only, and a keep-alive HTTP agent
 * sized for many synchronous invokes in flight (each holds its socket for the whole run).
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { LAMBDA_DEFAULTS } from '../defaults.js';

/** Sockets the agent keeps per host: enough for 1,000 invokes in flight. */
export const LAMBDA_AGENT_MAX_SOCKETS = 1_000;
/** Longest a TCP connect to the Lambda endpoint may take. */
export const LAMBDA_CONNECT_TIMEOUT_MS = 10_000;
/** Prefix of function names when none is configured: functions are `<prefix>-<memory MB>`. */
export const DEFAULT_FUNCTION_PREFIX: string = LAMBDA_DEFAULTS.functionPrefix;

/** Where the Lambda API is. */
export interface LambdaConnection {
  /** AWS region; default from the SDK's chain (`AWS_REGION`, the profile). */
  region?: string;
  /** Another endpoint speaking the Lambda API (a local emulator); default AWS's. */
  endpoint?: string;
}

export interface LambdaClientOptions extends LambdaConnection {
  /**
   * Attempts per call inside the SDK. The invoke path uses 1 and retries itself (so that
   * throttling backoff and counts are ours); management calls use the SDK's standard retries.
   */
  maxAttempts: number;
  maxSockets?: number;
}

export function createLambdaClient(options: LambdaClientOptions): LambdaClient {
  const agentOptions = {
    keepAlive: true,
    maxSockets: Math.max(options.maxSockets ?? LAMBDA_AGENT_MAX_SOCKETS, 1),
    // TCP keep-alive probes keep a socket open through NATs during a 15-minute invoke.
    keepAliveMsecs: 30_000,
  };
  return new LambdaClient({
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    maxAttempts: options.maxAttempts,
    retryMode: 'standard',
    // The SDK's shorthand: these options build its own Node HTTP handler.
    requestHandler: {
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
      connectionTimeout: LAMBDA_CONNECT_TIMEOUT_MS,
      // An invoke runs as long as the function: no request timeout here; callers pass a signal.
      requestTimeout: 0,
    },
  });
}

/** The endpoint calls go to, for messages: the configured one or AWS's for the region. */
export function describeEndpoint(connection: LambdaConnection): string {
  if (connection.endpoint) return connection.endpoint;
  const region = connection.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  return region ? `https://lambda.${region}.amazonaws.com` : 'the AWS Lambda endpoint of the default region';
}

/** `<prefix>-<memory>`: the function that runs with `memoryMb` of memory. */
export function functionNameFor(prefix: string, memoryMb: number): string {
  return `${prefix}-${memoryMb}`;
}

/** The memory size of a function named `<prefix>-<memory>`, or undefined for other names. */
export function memoryOfFunctionName(prefix: string, name: string): number | undefined {
  if (!name.startsWith(`${prefix}-`)) return undefined;
  const rest = name.slice(prefix.length + 1);
  return /^[1-9][0-9]{2,4}$/.test(rest) ? Number(rest) : undefined;
}
