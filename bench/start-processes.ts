/**
 * The function processes the start-up benchmark (`function-start.ts`) times: the local
 * backend's child process, forked with its IPC channel, and a probe process that imports the
 * HTTP server or the Lambda handler and runs one payload through it.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { pathToFileURL } from 'node:url';

/**
 * Imports one entry (`http`: and starts the server), says `ready`, then runs the payload in
 * $FUNCTION_START_PAYLOAD through it (`http`: POST /invoke; `lambda`: the handler) and says
 * `predicted` with the import's duration (ms).
 */
export const PROBE = `
const [kind, url] = process.argv.slice(2);
const say = (line) => new Promise((resolve) => process.stdout.write(JSON.stringify(line) + '\\n', resolve));
const payload = JSON.parse(process.env.FUNCTION_START_PAYLOAD);
const t0 = performance.now();
const entry = await import(url);
const importMs = performance.now() - t0;
if (kind === 'http') {
  const server = await entry.startFunctionServer({ port: 0 });
  await say({ event: 'ready' });
  const res = await fetch(server.url + '/invoke', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  const body = await res.json();
  if (!res.ok) throw new Error('invoke failed: ' + JSON.stringify(body));
  await say({ event: 'predicted', importMs });
  await server.close();
} else {
  await say({ event: 'ready' });
  await entry.handler(payload);
  await say({ event: 'predicted', importMs });
}
process.exit(0);
`;

/** One start of a function process: spawn to ready, the import alone, spawn to the first prediction (ms). */
export interface Run {
  readyMs: number;
  importMs?: number;
  firstPredictionMs?: number;
}

function exitCode(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

/** The local backend's function process: spawn to ready, then to its first prediction. */
export async function childRun(
  entry: string,
  env: NodeJS.ProcessEnv,
  payload: object,
  execArgv: string[],
): Promise<Run> {
  const t0 = performance.now();
  const child = fork(entry, [], {
    execArgv,
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  const exited = exitCode(child);
  const run: Run = { readyMs: 0 };
  await new Promise<void>((resolve, reject) => {
    child.on('message', (m: { type: string; ok?: boolean; error?: { message: string } }) => {
      if (m.type === 'ready') {
        run.readyMs = performance.now() - t0;
        child.send({ type: 'invoke', id: 'i0', payload });
      } else if (m.type === 'result') {
        run.firstPredictionMs = performance.now() - t0;
        if (m.ok) resolve();
        else reject(new Error(`invocation failed: ${m.error?.message}`));
      }
    });
    void exited.then((code) => reject(new Error(`function process exited with ${code}`)));
  });
  child.disconnect();
  await exited;
  return run;
}

/** A process that imports `file` (`http`: and starts the server), then runs `payload` through it. */
export async function probeRun(
  probe: string,
  kind: 'http' | 'lambda',
  file: string,
  execArgv: string[],
  env: NodeJS.ProcessEnv,
  payload: object,
): Promise<Run> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...execArgv, probe, kind, pathToFileURL(file).href], {
    env: { ...env, FUNCTION_START_PAYLOAD: JSON.stringify(payload) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const run: Partial<Run> = {};
  let pending = '';
  child.stdout.on('data', (c: Buffer) => {
    const at = performance.now() - t0;
    pending += c.toString();
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
      const line = JSON.parse(pending.slice(0, nl)) as { event: string; importMs?: number };
      pending = pending.slice(nl + 1);
      if (line.event === 'ready') run.readyMs = at;
      else if (line.event === 'predicted') {
        run.firstPredictionMs = at;
        if (line.importMs !== undefined) run.importMs = line.importMs;
      }
    }
  });
  const code = await exitCode(child);
  if (code !== 0 || run.readyMs === undefined || run.firstPredictionMs === undefined)
    throw new Error(`${kind} probe exited with ${code}`);
  return run as Run;
}
