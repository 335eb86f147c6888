/**
 * A local server speaking the Lambda REST API on 127.0.0.1, for tests through the real SDK:
 * `Invoke` (`lambda-invoke.ts`: synchronous, `X-Amz-Log-Type: Tail` with a base64 log tail
 * ending in a `REPORT` line, `X-Amz-Function-Error` for handler errors, 429 throttling on
 * demand) runs OUR handler in child-process containers (`lambda-containers.ts`: cold and warm
 * starts, function timeouts);
 * the management calls the deploy commands use (create, get, update code and configuration,
 * list, delete) keep function configurations in memory. Requests must carry the configured
 * access key id, or get 403 `UnrecognizedClientException` (signatures are not verified).
 * Functions created through the API run the default handler, not the uploaded zip.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { moduleEntry } from '../../src/util/module-entry.js';
import { ContainerPool } from './lambda-containers.js';
import { readBody, sendError, type RecordedRequest } from './lambda-http.js';
import { invokeFunction, Throttle, type InvokeContext, type ThrottlePlan } from './lambda-invoke.js';
import { handleManagement, type FunctionRecord } from './lambda-management.js';
import { useAwsTestCredentials } from './aws-env.js';

export type { RecordedRequest } from './lambda-http.js';
export type { ThrottlePlan } from './lambda-invoke.js';

export interface LambdaServerOptions {
  /** Functions that exist from the start (as if deployed). */
  functions?: Array<{ name: string; memoryMb?: number; timeoutS?: number; handlerFile?: string }>;
  /** Handler module the containers load (default: `src/worker/entry/lambda.ts`). */
  handlerFile?: string;
  /** The access key id requests must be signed with (default `OBIFAASTEST`). */
  accessKeyId?: string;
  throttle?: ThrottlePlan;
  /** Containers per function; invokes beyond get 429 (reserved concurrency). Default 64. */
  maxContainersPerFunction?: number;
  /** GetFunction reports `Pending` / `InProgress` this many times after a create or update. */
  pendingPolls?: number;
  /** Environment of the containers (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

export interface LambdaServerHandle {
  endpoint: string;
  requests: RecordedRequest[];
  functions: Map<string, FunctionRecord>;
  setThrottle(plan: ThrottlePlan | undefined): void;
  /** Pids of a function's live containers. */
  containerPids(functionName: string): number[];
  stop(): Promise<void>;
}

export const TEST_ACCESS_KEY_ID = 'OBIFAASTEST';
const DEFAULT_HANDLER = moduleEntry(import.meta.url, '../../src/worker/entry/lambda').file;

export async function startLambdaServer(options: LambdaServerOptions = {}): Promise<LambdaServerHandle> {
  const accessKeyId = options.accessKeyId ?? TEST_ACCESS_KEY_ID;
  const functions = new Map<string, FunctionRecord>();
  const pools = new Map<string, ContainerPool>();
  const requests: RecordedRequest[] = [];
  const throttle = new Throttle(options.throttle);

  const poolOf = (fn: FunctionRecord): ContainerPool => {
    let pool = pools.get(fn.name);
    if (!pool) {
      pool = new ContainerPool(
        () => fn.handlerFile ?? options.handlerFile ?? DEFAULT_HANDLER,
        () => ({
          ...(options.env ?? process.env),
          ...fn.config.Environment?.Variables,
          AWS_LAMBDA_FUNCTION_NAME: fn.name,
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.config.MemorySize),
        }),
      );
      pools.set(fn.name, pool);
    }
    return pool;
  };
  const context = {
    functions,
    pendingPolls: options.pendingPolls ?? 0,
    resetContainers: async (name: string) => {
      await pools.get(name)?.killAll();
      pools.delete(name);
    },
  };
  for (const f of options.functions ?? []) {
    functions.set(f.name, {
      name: f.name,
      ...(f.handlerFile ? { handlerFile: f.handlerFile } : {}),
      pendingPolls: 0,
      config: {
        FunctionName: f.name,
        FunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${f.name}`,
        MemorySize: f.memoryMb ?? 3008,
        Timeout: f.timeoutS ?? 60,
        State: 'Active',
        LastUpdateStatus: 'Successful',
      },
    });
  }

  const invoker: InvokeContext = {
    functions,
    poolOf,
    throttle,
    maxContainers: options.maxContainersPerFunction ?? 64,
  };

  const connections = new WeakMap<object, number>();
  let connectionsOpened = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let connection = connections.get(req.socket);
    if (connection === undefined) {
      connection = ++connectionsOpened;
      connections.set(req.socket, connection);
    }
    const record: RecordedRequest = {
      operation: 'Unknown',
      method: req.method ?? '',
      path: url.pathname,
      status: 200,
      connection,
    };
    requests.push(record);
    const origEnd = res.writeHead.bind(res);
    res.writeHead = ((status: number, ...rest: unknown[]) => {
      record.status = status;
      return (origEnd as (...a: unknown[]) => http.ServerResponse)(status, ...rest);
    }) as typeof res.writeHead;
    const auth = String(req.headers.authorization ?? '');
    if (!auth.includes(`Credential=${accessKeyId}/`)) {
      req.resume();
      return sendError(
        res,
        403,
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
      );
    }
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(url.pathname);
    if (match && req.method === 'POST') {
      record.operation = 'Invoke';
      record.functionName = decodeURIComponent(match[1] ?? '');
      record.invocationType = String(req.headers['x-amz-invocation-type'] ?? '');
      record.logType = String(req.headers['x-amz-log-type'] ?? '');
      invokeFunction(invoker, req, res, record.functionName, record).catch((err: unknown) => {
        if (!res.headersSent) sendError(res, 500, 'ServiceException', String(err));
      });
      return;
    }
    void readBody(req).then((body) =>
      handleManagement(context, req, res, url, body ?? Buffer.alloc(0), record),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    functions,
    setThrottle: (plan) => throttle.set(plan),
    containerPids: (name) => pools.get(name)?.pids() ?? [],
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...pools.values()].map((p) => p.killAll()));
    },
  };
}

/** Puts test credentials (the server's access key id) and a region in the environment; returns a restore function. */
export function useLambdaTestCredentials(accessKeyId = TEST_ACCESS_KEY_ID): () => void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  return useAwsTestCredentials(accessKeyId, 'test-secret-not-checked');
}
