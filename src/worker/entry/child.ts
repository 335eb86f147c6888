/**
 * The function as a child process of the local backend: says `ready` once the handler is loaded
 * (ONNX Runtime, in the inference threads, and the image decoder load with the first payload's
 * model), then runs one invocation per `invoke` message. Exits when the
 * parent goes away (the IPC channel disconnects), so no process outlives its job manager.
 */
import { errorBody } from '../../protocol/function-reply.js';
import type { ChildMessage, InvokeMessage } from '../../protocol/local-ipc.js';
import { handle } from '../handler.js';

if (!process.send) {
  process.stderr.write('obifaas function process: must be started by the local backend (no IPC channel)\n');
  process.exit(2);
}

function send(message: ChildMessage): void {
  process.send?.(message);
}

async function run(message: InvokeMessage): Promise<void> {
  try {
    const result = await handle(message.payload);
    send({ type: 'result', id: message.id, ok: true, result });
  } catch (err) {
    send({ type: 'result', id: message.id, ok: false, error: errorBody(err) });
  }
}

process.on('disconnect', () => process.exit(0));
// Ctrl-C on a terminal signals the whole process group: the job manager decides what stops.
process.on('SIGINT', () => undefined);
process.on('message', (message: unknown) => {
  const m = message as Partial<InvokeMessage> | null;
  if (m?.type === 'invoke' && typeof m.id === 'string') void run(m as InvokeMessage);
});
send({ type: 'ready', pid: process.pid });
