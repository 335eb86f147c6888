/**
 * One function of the local backend: a long-lived child process that runs invocations one at a
 * time. Reports every way it can end (exit, signal, spawn error) to the invocation it was
 * running, so that nothing waits forever.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { BackendError } from '../../errors.js';
import type { WorkerPayload, WorkerResult } from '../../protocol/invocation.js';
import type { FunctionErrorBody } from '../../protocol/function-reply.js';
import { isChildMessage, type ChildMessage } from '../../protocol/local-ipc.js';
import { steadyNow } from '../../util/steady-clock.js';

/** How to start a function process. */
export interface ProcessEntry {
  file: string;
  execArgv: string[];
}

/** Where the processes' output goes: anything with `write` (a stream, a file, a no-op). */
export interface LogSink {
  write(chunk: Uint8Array | string): unknown;
}

/** `stopping`: its invocation was stopped, and it has not answered yet (see {@link FunctionProcess.stop}). */
export type ProcessState = 'starting' | 'idle' | 'busy' | 'stopping' | 'exited';

/** What one invocation returned: the handler's result or its error. */
export type ProcessReply = { ok: true; result: WorkerResult } | { ok: false; error: FunctionErrorBody };

interface Running {
  id: string;
  resolve: (reply: ProcessReply) => void;
  reject: (err: BackendError) => void;
}

const STDERR_TAIL_BYTES = 2048;

/** One child process of the local backend, running one invocation at a time. */
export class FunctionProcess {
  readonly child: ChildProcess;
  readonly spawnedAt = steadyNow();
  state: ProcessState = 'starting';
  /** The invocation running now, with the worker id of its payload (for tests and logs). */
  current: { id: string; workerId?: string } | null = null;
  /** Resolves with the init time (ms) once the process is ready; rejects if it dies first. */
  readonly ready: Promise<number>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  private running: Running | null = null;
  private stderrTail = '';
  private exitReason: string | null = null;
  private killReason: string | null = null;
  private readonly log: LogSink;

  constructor(
    entry: ProcessEntry,
    options: { env?: NodeJS.ProcessEnv; log: LogSink; startTimeoutMs: number },
  ) {
    const started = performance.now();
    this.log = options.log;
    this.child = fork(entry.file, [], {
      execArgv: entry.execArgv,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    this.child.stdout?.on('data', (chunk: Buffer) => options.log.write(chunk));
    this.child.stderr?.on('data', (chunk: Buffer) => {
      options.log.write(chunk);
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitReason = this.killReason ?? (signal ? `killed by ${signal}` : `exited with code ${code}`);
        this.state = 'exited';
        this.failRunning();
        resolve();
      });
      // A process that cannot be spawned at all emits 'error' and never 'exit'.
      this.child.once('error', (err) => {
        this.exitReason ??= `could not start: ${err.message}`;
        if (this.child.pid === undefined) {
          this.state = 'exited';
          this.failRunning();
          resolve();
        }
      });
    });
    this.ready = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill(`did not start within ${options.startTimeoutMs} ms`);
      }, options.startTimeoutMs);
      const onMessage = (message: unknown): void => {
        if (!isChildMessage(message) || message.type !== 'ready') return;
        clearTimeout(timer);
        this.child.off('message', onMessage);
        if (this.state === 'starting') this.state = 'idle';
        resolve(performance.now() - started);
      };
      this.child.on('message', onMessage);
      void this.exited.then(() => {
        clearTimeout(timer);
        reject(new BackendError(`function process failed to start: ${this.describeExit()}`, true));
      });
    });
    // A ready promise nobody awaits (the process died while idle) must not be unhandled.
    this.ready.catch(() => undefined);
    this.child.on('message', (message: unknown) => {
      if (isChildMessage(message)) this.onMessage(message);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Runs one invocation; rejects with a retryable {@link BackendError} if the process dies. */
  run(id: string, payload: WorkerPayload): Promise<ProcessReply> {
    if (this.state !== 'idle')
      return Promise.reject(new BackendError(`function process is ${this.state}, not idle`, true));
    this.state = 'busy';
    this.current = { id, ...('workerId' in payload ? { workerId: payload.workerId } : {}) };
    return new Promise<ProcessReply>((resolve, reject) => {
      this.running = { id, resolve, reject };
      try {
        this.child.send({ type: 'invoke', id, payload });
      } catch (err) {
        this.running = null;
        reject(
          new BackendError(
            `could not send the payload to the function process: ${(err as Error).message}`,
            true,
            0,
            { cause: err },
          ),
        );
      }
    });
  }

  /**
   * Stops the running invocation, keeping the process: it ends the invocation, waits for the
   * model runs it had started (ONNX Runtime cannot interrupt one; their output is discarded)
   * and answers, and is idle again, its model still loaded. A process that has not answered
   * within `graceMs` (a run that never ends, a stuck handler) is killed with `reason`, said in
   * the log. Resolves once the process is idle or has exited.
   */
  stop(reason: string, graceMs: number): Promise<void> {
    const running = this.running;
    if (this.state !== 'busy' || !running) return Promise.resolve();
    this.state = 'stopping';
    const answered = new Promise<void>((answer) => {
      const { resolve, reject } = running;
      running.resolve = (reply) => (resolve(reply), answer());
      running.reject = (err) => (reject(err), answer());
    });
    const timer = setTimeout(() => {
      this.log.write(`obifaas local function ${this.pid ?? '?'}: killed: ${reason}\n`);
      this.kill(reason);
    }, graceMs);
    try {
      this.child.send({ type: 'stop', id: running.id });
    } catch {
      this.kill(reason);
    }
    return Promise.race([answered, this.exited]).finally(() => clearTimeout(timer));
  }

  /** Kills the process (SIGKILL); the running invocation fails with `reason`. */
  kill(reason: string): void {
    this.killReason ??= reason;
    if (this.state !== 'exited') this.child.kill('SIGKILL');
  }

  private onMessage(message: ChildMessage): void {
    if (message.type !== 'result' || !this.running || message.id !== this.running.id) return;
    const { resolve } = this.running;
    this.running = null;
    this.current = null;
    if (this.state === 'busy' || this.state === 'stopping') this.state = 'idle';
    resolve(message.ok ? { ok: true, result: message.result } : { ok: false, error: message.error });
  }

  private failRunning(): void {
    if (!this.running) return;
    const { reject } = this.running;
    this.running = null;
    reject(
      new BackendError(
        `function process ${this.pid ?? '?'} ${this.describeExit(' during the invocation')}`,
        true,
      ),
    );
  }

  /** How the process ended, then the telling line of its last output, if any. */
  private describeExit(during = ''): string {
    const reason = this.exitReason ?? 'exited';
    // A crash dump ends with the Node version; the error line above it says what happened.
    const lines = this.stderrTail
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('at '));
    const telling = [...lines].reverse().find((l) => /\b[A-Z]\w*Error\b|\berror\b/i.test(l)) ?? lines.at(-1);
    return `${reason}${during}${telling ? ` (${telling.slice(0, 300)})` : ''}`;
  }
}
