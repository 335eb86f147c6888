/**
 * The command runner with a stand-in process: signals cancel alike, a second one quits, the
 * result prints as JSON or as text, and how a command ended sets the exit code.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { StorageError, UserError } from '../errors.js';
import { FsBlobStore } from '../storage/fs/fs-store.js';
import { EXIT_CODES, exitCodeFor } from './exit-codes.js';
import { CANCEL_SIGNALS, runCommand, type CommandIo } from './runner.js';

/** A process whose signals the test sends, and whose output and exit the test reads. */
function fakeProcess(isTTY = false) {
  const signals = new EventEmitter();
  const io = {
    stdout: '',
    stderr: '',
    exits: [] as number[],
    exitCode: undefined as number | undefined,
    send: (signal: NodeJS.Signals) => signals.emit(signal, signal),
    listeners: () => CANCEL_SIGNALS.reduce((n, s) => n + signals.listenerCount(s), 0),
  };
  const commandIo: CommandIo = {
    stdout: { write: (chunk: string) => (io.stdout += chunk) },
    stderr: { isTTY, columns: 80, write: (chunk: string) => (io.stderr += chunk) },
    on: (signal, listener) => signals.on(signal, listener),
    off: (signal, listener) => signals.off(signal, listener),
    exit: (code) => io.exits.push(code),
    setExitCode: (code) => (io.exitCode = code),
  };
  return { io, commandIo };
}

/** A body that runs until its signal is aborted, then reports what it finished. */
const untilCancelled =
  (started: () => void) =>
  async ({ signal }: { signal: AbortSignal }) => {
    started();
    if (!signal.aborted)
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    return { value: { done: 3, of: 10 }, status: 'cancelled' as const, notes: ['job cancelled'] };
  };

describe('runCommand', () => {
  for (const signal of CANCEL_SIGNALS) {
    it(`${signal} cancels gracefully: a notice on its own line, the result printed, exit 130`, async () => {
      const { io, commandIo } = fakeProcess();
      const run = runCommand(
        { io: commandIo, cancelling: 'the job: stopping it', render: (v) => `done ${v.done} of ${v.of}` },
        untilCancelled(() => io.send(signal)),
      );
      await run;
      const source = signal === 'SIGINT' ? '' : `${signal}: `;
      expect(io.stderr.split('\n')).toEqual([
        `obifaas: ${source}cancelling the job: stopping it (press Ctrl-C again to quit now)`,
        'obifaas: job cancelled',
        '',
      ]);
      expect(io.stdout).toBe('done 3 of 10\n');
      expect(io.exitCode).toBe(EXIT_CODES.cancelled);
      expect(io.exits).toEqual([]);
      expect(io.listeners()).toBe(0);
    });
  }

  it("a body that rejects with the cancel's reason was cancelled before it started: a notice, exit 130", async () => {
    const { io, commandIo } = fakeProcess();
    await runCommand(
      { io: commandIo, cancelling: 'the job', render: () => 'not printed' },
      async ({ signal }) => {
        io.send('SIGTERM');
        signal.throwIfAborted();
        return { value: null };
      },
    );
    expect(io.stderr.split('\n')).toEqual([
      'obifaas: SIGTERM: cancelling the job (press Ctrl-C again to quit now)',
      'obifaas: cancelled by SIGTERM: stopped before the work started',
      '',
    ]);
    expect(io.stdout).toBe('');
    expect(io.exitCode).toBe(EXIT_CODES.cancelled);
    expect(io.listeners()).toBe(0);
    // Another error, even while cancelled, is the body's own.
    const other = fakeProcess();
    const failing = runCommand({ io: other.commandIo, cancelling: 'the job' }, async () => {
      other.io.send('SIGINT');
      throw new UserError('bad flag');
    });
    await expect(failing).rejects.toThrow('bad flag');
  });

  it('a second signal quits at once, whatever the first was', async () => {
    const { io, commandIo } = fakeProcess();
    await runCommand(
      { io: commandIo, cancelling: 'the job' },
      untilCancelled(() => {
        io.send('SIGTERM');
        io.send('SIGINT');
      }),
    );
    expect(io.exits).toEqual([130]);
    expect(io.stderr).toMatch(/^obifaas: SIGTERM: cancelling the job .*\nobifaas: quitting now\n/);
  });

  it('without a graceful cancel, the first signal quits at once', async () => {
    const { io, commandIo } = fakeProcess();
    await runCommand({ io: commandIo }, async () => {
      io.send('SIGHUP');
      return { value: 1 };
    });
    expect(io.exits).toEqual([130]);
    expect(io.stderr).toBe('obifaas: SIGHUP: quitting now\n');
  });

  it('asks a cancelling function at the signal: undefined quits at once, words cancel gracefully', async () => {
    const now: { cancelling?: string } = {};
    const early = fakeProcess();
    await runCommand({ io: early.commandIo, cancelling: () => now.cancelling }, async () => {
      early.io.send('SIGINT');
      return { value: 1 };
    });
    expect(early.io.exits).toEqual([130]);
    expect(early.io.stderr).toBe('obifaas: quitting now\n');
    now.cancelling = 'the job';
    const late = fakeProcess();
    await runCommand(
      { io: late.commandIo, cancelling: () => now.cancelling },
      untilCancelled(() => late.io.send('SIGINT')),
    );
    expect(late.io.exits).toEqual([]);
    expect(late.io.stderr).toMatch(/^obifaas: cancelling the job \(press Ctrl-C again to quit now\)\n/);
  });

  it('prints the value as one JSON line with --json, its rendering otherwise', async () => {
    const value = { jobs: 2, file: 'day.json' };
    const json = fakeProcess();
    await runCommand({ io: json.commandIo, json: true, render: () => 'text' }, async () => ({ value }));
    expect(JSON.parse(json.io.stdout)).toEqual(value);
    const picked = fakeProcess();
    await runCommand(
      { io: picked.commandIo, json: true, toJson: (v: typeof value) => ({ n: v.jobs }) },
      async () => ({ value }),
    );
    expect(picked.io.stdout).toBe('{"n":2}\n');
    const text = fakeProcess();
    await runCommand({ io: text.commandIo, render: (v) => `${v.jobs} jobs\n` }, async () => ({ value }));
    expect(text.io.stdout).toBe('2 jobs\n');
    expect(text.io.exitCode).toBeUndefined();
  });

  it("gives the rendering the terminal's width, and none for a pipe", async () => {
    const widths: Array<number | undefined> = [];
    const render = (_: unknown, width: number | undefined): string => (widths.push(width), 'text');
    const pipe = fakeProcess();
    await runCommand({ io: pipe.commandIo, render }, async () => ({ value: 1 }));
    const terminal = fakeProcess();
    const stdout = { ...terminal.commandIo.stdout, isTTY: true, columns: 50 };
    await runCommand({ io: { ...terminal.commandIo, stdout }, render }, async () => ({ value: 1 }));
    expect(widths).toEqual([undefined, 50]);
  });

  it('sets the exit code from how the command ended', async () => {
    for (const status of ['done', 'failed', 'cancelled'] as const) {
      const { io, commandIo } = fakeProcess();
      await runCommand({ io: commandIo }, async () => ({ value: null, status }));
      expect(io.exitCode ?? 0).toBe(EXIT_CODES[status]);
    }
  });

  it('lets errors through after erasing the progress line and removing its signal handlers', async () => {
    const { io, commandIo } = fakeProcess(true);
    await expect(
      runCommand({ io: commandIo }, async ({ status }) => {
        status.show(() => 'images 1/2');
        throw new UserError('bad input');
      }),
    ).rejects.toThrow('bad input');
    expect(io.stderr).toBe('\r\x1b[Kimages 1/2\r\x1b[K');
    expect(io.listeners()).toBe(0);
  });

  it('draws no progress line with --json', async () => {
    const { io, commandIo } = fakeProcess(true);
    await runCommand({ io: commandIo, json: true }, async ({ status }) => {
      expect(status.enabled).toBe(false);
      status.show(() => 'images 1/2');
      return { value: {} };
    });
    expect(io.stderr).toBe('');
  });
});

describe('exit codes', () => {
  it('maps user mistakes to 2 and anything else to 1', () => {
    expect(exitCodeFor(new UserError('x'))).toBe(2);
    expect(exitCodeFor(new Error('x'))).toBe(1);
    expect(exitCodeFor('x')).toBe(1);
    expect(exitCodeFor(new StorageError('no such key', 'NotFound', 'k'))).toBe(1);
  });

  it.runIf(process.platform === 'linux')(
    "maps a store folder that cannot be created where the user's path points to 2",
    async () => {
      const err = await new FsBlobStore('/proc/obifaas-x').put('a/b.txt', 'x').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect(exitCodeFor(err)).toBe(2);
    },
  );
});
