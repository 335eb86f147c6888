/**
 * The one runner of every `obifaas` command: it gives the command body an abort signal (SIGINT,
 * SIGTERM and SIGHUP alike: the first cancels gracefully with a notice on its own line, the
 * second quits at once), a status line for progress (stderr: live on a terminal, a plain line
 * at an interval on a pipe or a log), prints the
 * body's result object (`--json`: the object; otherwise its rendering) and sets the exit code
 * from how the body says it ended. A body that rejects with the cancel's reason (a job cancelled
 * before it started, which writes nothing) ends as cancelled too, with a notice.
 */
import { oneLine } from '../util/one-line.js';
import { EXIT_CODES, type ExitStatus } from './exit-codes.js';
import { createStatusLine, progressIntervalMs, type StatusLine, type StatusStream } from './status-line.js';

/** The signals that cancel a command. */
export const CANCEL_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** What a command body gets from the runner. */
export interface CommandContext {
  /** Aborted by the first SIGINT, SIGTERM or SIGHUP. */
  readonly signal: AbortSignal;
  /** The live progress line (drawn on a terminal, unless `--json`). */
  readonly status: StatusLine;
  /** Prints `obifaas: <message>` on stderr, on a line of its own. */
  notice(message: string): void;
}

/** What a command body returns. */
export interface CommandResult<T> {
  /** The result object: `--json` prints it, otherwise `render` turns it into text. */
  value: T;
  /** How the command ended (default `done`); sets the exit code. */
  status?: ExitStatus;
  /** Lines for stderr after the output (`obifaas: ` is added). */
  notes?: readonly string[];
}

/** How a command prints and cancels. */
export interface CommandOptions<T> {
  /** Print `toJson(value)` as one JSON line instead of `render(value)`; no status line. */
  json?: boolean;
  /**
   * The human output; nothing is printed when it returns ''. `width` is the terminal's when
   * stdout is one (undefined for a pipe or a file), for text that wraps its long lines.
   */
  render?: (value: T, width: number | undefined) => string;
  /** What `--json` prints; default the value itself. */
  toJson?: (value: T) => unknown;
  /**
   * What the first signal cancels and how, in words that follow "cancelling" ("the job: stopping
   * the functions ..."): the body then sees its signal aborted and finishes on its own terms.
   * Without it (or when a function gives undefined, asked at the signal), the first signal quits
   * at once, as the second always does.
   */
  cancelling?: string | (() => string | undefined);
  /** Streams and process hooks; default the process's own. */
  io?: CommandIo;
}

/** The process as the runner uses it (tests pass their own). */
export interface CommandIo {
  stdout: { write(chunk: string): unknown; isTTY?: boolean; columns?: number };
  stderr: StatusStream;
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): void;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): void;
  exit(code: number): void;
  setExitCode(code: number): void;
  /** The environment (`OBIFAAS_PROGRESS_INTERVAL`); default none. */
  env?: NodeJS.ProcessEnv;
}

/** The running process. */
export const processIo: CommandIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  on: (signal, listener) => process.on(signal, listener),
  off: (signal, listener) => process.off(signal, listener),
  exit: (code) => process.exit(code),
  setExitCode: (code) => {
    process.exitCode = code;
  },
  env: process.env,
};

/**
 * Runs a command body: signals, progress, output and exit code. An error the body throws goes
 * on to `main`, which prints it and maps it to its exit code (after the status line is erased
 * and the signal handlers are gone).
 */
export async function runCommand<T>(
  options: CommandOptions<T>,
  body: (context: CommandContext) => Promise<CommandResult<T>>,
): Promise<void> {
  const io = options.io ?? processIo;
  // The live line is off with --json; plain lines (on stderr, never stdout) are not.
  const status = createStatusLine(io.stderr, {
    ...(options.json ? { enabled: false } : {}),
    plainIntervalMs: progressIntervalMs(io.env ?? {}),
  });
  const notice = (message: string): void => status.note(`obifaas: ${oneLine(message)}`);
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    const source = signal === 'SIGINT' ? '' : `${signal}: `;
    const cancelling = typeof options.cancelling === 'function' ? options.cancelling() : options.cancelling;
    if (controller.signal.aborted || cancelling === undefined) {
      status.stop();
      notice(`${source}quitting now`);
      io.exit(EXIT_CODES.cancelled);
      return;
    }
    notice(`${source}cancelling ${cancelling} (press Ctrl-C again to quit now)`);
    controller.abort(new Error(`cancelled by ${signal}`));
  };
  for (const signal of CANCEL_SIGNALS) io.on(signal, onSignal);
  let result: CommandResult<T> | undefined;
  try {
    result = await body({ signal: controller.signal, status, notice });
  } catch (err) {
    // A body that rejects with the cancel's own reason was cancelled before its work began.
    if (!controller.signal.aborted || err !== controller.signal.reason) throw err;
  } finally {
    status.stop();
    for (const signal of CANCEL_SIGNALS) io.off(signal, onSignal);
  }
  if (result === undefined) {
    notice(`${(controller.signal.reason as Error).message}: stopped before the work started`);
    io.setExitCode(EXIT_CODES.cancelled);
    return;
  }
  if (options.json) {
    const json = options.toJson ? options.toJson(result.value) : result.value;
    io.stdout.write(`${JSON.stringify(json)}\n`);
  } else {
    const width = io.stdout.isTTY === true && io.stdout.columns ? io.stdout.columns : undefined;
    const text = options.render ? options.render(result.value, width) : '';
    if (text !== '') io.stdout.write(`${text.replace(/\n$/, '')}\n`);
  }
  for (const note of result.notes ?? []) notice(note);
  const code = EXIT_CODES[result.status ?? 'done'];
  if (code !== 0) io.setExitCode(code);
}
