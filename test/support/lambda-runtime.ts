/**
 * One "container" of the local Lambda test server: a child process that imports a handler
 * module once (its init phase) and then runs one invocation at a time, as Lambda's Node runtime
 * does: `handler(event, context)`, a thrown error becoming `{errorType, errorMessage, trace}`.
 *
 * Started by `lambda-server.ts` with the handler file as its argument, over an IPC channel.
 */
import { pathToFileURL } from 'node:url';

/** Server -> container. */
export interface RuntimeInvoke {
  type: 'invoke';
  requestId: string;
  /** The request body, as sent. */
  event: string;
  timeoutMs: number;
  functionName: string;
  memoryMb: number;
}

/** Container -> server. */
export type RuntimeMessage =
  | { type: 'ready' }
  | { type: 'init-error'; errorType: string; errorMessage: string }
  | {
      type: 'result';
      requestId: string;
      ok: boolean;
      /** The JSON text of the result or of the error object. */
      body: string;
      durationMs: number;
      maxMemoryUsedMb: number;
    };

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

function send(message: RuntimeMessage): void {
  process.send?.(message);
}

function errorBody(err: unknown): string {
  const e = err instanceof Error ? err : new Error(String(err));
  return JSON.stringify({
    errorType: e.name,
    errorMessage: e.message,
    trace: (e.stack ?? '').split('\n').slice(0, 10),
  });
}

function maxMemoryUsedMb(): number {
  return Math.ceil(process.resourceUsage().maxRSS / 1024);
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file || !process.send) {
    process.stderr.write('lambda-runtime: needs a handler file and an IPC channel\n');
    process.exit(2);
  }
  let handler: Handler;
  try {
    const mod = (await import(pathToFileURL(file).href)) as { handler?: unknown };
    if (typeof mod.handler !== 'function') {
      send({
        type: 'init-error',
        errorType: 'Runtime.HandlerNotFound',
        errorMessage: `${file}.handler is undefined or not exported`,
      });
      process.exit(1);
    }
    handler = mod.handler as Handler;
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    send({ type: 'init-error', errorType: 'Runtime.ImportModuleError', errorMessage: `Error: ${e.message}` });
    process.exit(1);
  }
  process.on('message', (raw: unknown) => {
    const m = raw as Partial<RuntimeInvoke> | null;
    if (m?.type !== 'invoke' || typeof m.requestId !== 'string') return;
    const message = m as RuntimeInvoke;
    void (async () => {
      const deadline = Date.now() + message.timeoutMs;
      const context = {
        awsRequestId: message.requestId,
        functionName: message.functionName,
        memoryLimitInMB: String(message.memoryMb),
        getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      };
      const t0 = performance.now();
      let ok = true;
      let body: string;
      try {
        const event: unknown = message.event === '' ? {} : JSON.parse(message.event);
        const result = await handler(event, context);
        body = JSON.stringify(result ?? null);
      } catch (err) {
        ok = false;
        body = errorBody(err);
      }
      send({
        type: 'result',
        requestId: message.requestId,
        ok,
        body,
        durationMs: performance.now() - t0,
        maxMemoryUsedMb: maxMemoryUsedMb(),
      });
    })();
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready' });
}

await main();
