/**
 * The containers of the local Lambda test server: child processes running `lambda-runtime.ts`
 * on a handler module. A container serves one invocation at a time and stays warm after it; a
 * new one (a cold start, with its init time measured) is started when none is idle. A container
 * that runs past the function timeout is killed, as Lambda does.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { moduleEntry } from '../../src/util/module-entry.js';
import type { RuntimeInvoke, RuntimeMessage } from './lambda-runtime.js';

/** What one invocation produced inside a container. */
export interface ContainerOutcome {
  /** `ok`: a result; `error`: the handler threw; `timeout`/`crash`: the container died. */
  kind: 'ok' | 'error' | 'timeout' | 'crash';
  body: string;
  durationMs: number;
  maxMemoryUsedMb: number;
  /** The container's output during the invocation. */
  log: string;
}

const LOG_LIMIT_BYTES = 16 * 1024;

export class Container {
  readonly child: ChildProcess;
  state: 'starting' | 'idle' | 'busy' | 'dead' = 'starting';
  /** Resolves with the init time in ms, or an init error; never rejects. */
  readonly ready: Promise<{ initMs: number } | { errorType: string; errorMessage: string }>;
  private output = '';
  private pending: ((outcome: ContainerOutcome) => void) | null = null;
  private lastMaxMemoryMb = 0;

  constructor(handlerFile: string, env: NodeJS.ProcessEnv) {
    const entry = moduleEntry(import.meta.url, './lambda-runtime');
    const started = performance.now();
    this.child = fork(entry.file, [handlerFile], {
      execArgv: entry.execArgv,
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    const collect = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString('utf8')).slice(-LOG_LIMIT_BYTES);
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    this.ready = new Promise((resolve) => {
      const onMessage = (raw: unknown): void => {
        const m = raw as RuntimeMessage;
        if (m.type === 'ready') {
          // Every container is started for an invocation, which it runs first.
          this.state = 'busy';
          resolve({ initMs: performance.now() - started });
        } else if (m.type === 'init-error') {
          resolve({ errorType: m.errorType, errorMessage: m.errorMessage });
        }
      };
      this.child.on('message', onMessage);
      this.child.once('exit', (code, signal) =>
        resolve({
          errorType: 'Runtime.ExitError',
          errorMessage: `Error: Runtime exited during init (${signal ?? `code ${code}`}): ${this.output.trim().split('\n').pop() ?? ''}`,
        }),
      );
    });
    this.child.on('message', (raw: unknown) => {
      const m = raw as RuntimeMessage;
      if (m.type !== 'result' || !this.pending) return;
      this.lastMaxMemoryMb = m.maxMemoryUsedMb;
      this.finish({
        kind: m.ok ? 'ok' : 'error',
        body: m.body,
        durationMs: m.durationMs,
        maxMemoryUsedMb: m.maxMemoryUsedMb,
        log: this.output,
      });
    });
    this.child.once('exit', (code, signal) => {
      this.state = 'dead';
      this.finish({
        kind: 'crash',
        body: JSON.stringify({
          errorType: 'Runtime.ExitError',
          errorMessage: `Error: Runtime exited with error: ${signal ? `signal: ${signal}` : `exit status ${code}`}`,
        }),
        durationMs: 0,
        maxMemoryUsedMb: this.lastMaxMemoryMb,
        log: this.output,
      });
    });
  }

  /** Runs one invocation; kills the container when it runs past `timeoutMs`. */
  run(message: Omit<RuntimeInvoke, 'type'>): Promise<ContainerOutcome> {
    this.state = 'busy';
    this.output = '';
    const t0 = performance.now();
    return new Promise<ContainerOutcome>((resolve) => {
      const timer = setTimeout(() => {
        const seconds = (message.timeoutMs / 1000).toFixed(2);
        this.finish({
          kind: 'timeout',
          body: JSON.stringify({
            errorType: 'Sandbox.Timedout',
            errorMessage: `RequestId: ${message.requestId} Error: Task timed out after ${seconds} seconds`,
          }),
          durationMs: performance.now() - t0,
          maxMemoryUsedMb: this.lastMaxMemoryMb,
          log: this.output,
        });
        this.kill();
      }, message.timeoutMs);
      this.pending = (outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      };
      this.child.send({ type: 'invoke', ...message } satisfies RuntimeInvoke);
    });
  }

  kill(): void {
    this.state = 'dead';
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  private finish(outcome: ContainerOutcome): void {
    const pending = this.pending;
    this.pending = null;
    if (this.state === 'busy') this.state = 'idle';
    pending?.(outcome);
  }
}

/** Containers of one function. */
export class ContainerPool {
  private readonly containers = new Set<Container>();

  constructor(
    private readonly handlerFile: () => string,
    private readonly env: () => NodeJS.ProcessEnv,
  ) {}

  /** Containers not dead. */
  get size(): number {
    return [...this.containers].filter((c) => c.state !== 'dead').length;
  }

  get busy(): number {
    return [...this.containers].filter((c) => c.state === 'busy' || c.state === 'starting').length;
  }

  /** An idle container (warm), or a new one (cold) that is ready or failed its init. */
  take(): { container: Container; cold: boolean } {
    const idle = [...this.containers].find((c) => c.state === 'idle');
    if (idle) {
      idle.state = 'busy';
      return { container: idle, cold: false };
    }
    const container = new Container(this.handlerFile(), this.env());
    this.containers.add(container);
    container.child.once('exit', () => this.containers.delete(container));
    return { container, cold: true };
  }

  pids(): number[] {
    return [...this.containers].flatMap((c) => (c.child.pid ? [c.child.pid] : []));
  }

  /** Kills every container (code or configuration changed, function deleted, server stopped). */
  async killAll(): Promise<void> {
    const all = [...this.containers];
    const exits = all.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.child.exitCode !== null || c.child.signalCode !== null) resolve();
          else c.child.once('exit', () => resolve());
        }),
    );
    for (const c of all) c.kill();
    await Promise.all(exits);
  }
}
