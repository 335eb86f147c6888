/**
 * The function as a child process of the local backend: says `ready` once the handler is loaded
 * (ONNX Runtime, in the inference threads, and the image decoder load with the first payload's
 * model), then runs one invocation per `invoke` message. A `stop` message ends the invocation
 * it names; its answer comes once the model runs it had started are over, so that the process
 * is free and warm for the next one. Its stuck wait comes from its environment
 * (`OBIFAAS_FUNCTION_STUCK_AFTER`, set by the backend), checked at start: a bad value ends the
 * process before it says `ready`, naming the variable. Exits when the parent goes away (the IPC
 * channel disconnects), so no process outlives its job manager.
 */
import { errorBody } from '../../protocol/function-reply.js';
import type { ChildMessage, InvokeMessage, StopMessage } from '../../protocol/local-ipc.js';
import { handle } from '../handler.js';
import { whenInferencePoolsFree } from '../inference-pools.js';
import { configureFunctionHealth } from '../function-health.js';
import { stuckAfterFromEnv } from '../../protocol/stuck-wait.js';

if (!process.send) {
  process.stderr.write('obifaas function process: must be started by the local backend (no IPC channel)\n');
  process.exit(2);
}

try {
  configureFunctionHealth({ stuckAfterMs: stuckAfterFromEnv(process.env) });
} catch (err) {
  process.stderr.write(`obifaas function process: ${(err as Error).message}\n`);
  process.exit(2);
}

function send(message: ChildMessage): void {
  process.send?.(message);
}

/** The running invocations (one at a time), by id, for `stop` to abort. */
const running = new Map<string, AbortController>();

async function run(message: InvokeMessage): Promise<void> {
  const controller = new AbortController();
  running.set(message.id, controller);
  let reply: ChildMessage;
  try {
    const result = await handle(message.payload, { signal: controller.signal });
    reply = { type: 'result', id: message.id, ok: true, result };
  } catch (err) {
    reply = { type: 'result', id: message.id, ok: false, error: errorBody(err) };
  }
  running.delete(message.id);
  // A stopped invocation's runs finish in the background: answer once they are over (the
  // parent kills a process whose run never ends).
  if (controller.signal.aborted) await whenInferencePoolsFree();
  send(reply);
}

process.on('disconnect', () => process.exit(0));
// Ctrl-C on a terminal signals the whole process group: the job manager decides what stops.
process.on('SIGINT', () => undefined);
process.on('message', (message: unknown) => {
  const m = message as Partial<InvokeMessage> | Partial<StopMessage> | null;
  if (m?.type === 'invoke' && typeof m.id === 'string') void run(m as InvokeMessage);
  if (m?.type === 'stop' && typeof m.id === 'string')
    running.get(m.id)?.abort(new Error('invocation stopped by the backend'));
});
send({ type: 'ready', pid: process.pid });
