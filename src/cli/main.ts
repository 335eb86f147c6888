/**
 * The `obifaas` command line. Thin: each command module declares its flags and, when run,
 * imports its implementation lazily and runs it through the command runner (`runner.ts`).
 * Errors are printed here, with the exit code of `exit-codes.ts`.
 */
import { Command, CommanderError } from 'commander';
import { messageOf, ObiError } from '../errors.js';
import { oneLine } from '../util/one-line.js';
import { OBIFAAS_VERSION } from '../util/version.js';
import { commandDefinitions } from './commands/index.js';
import { EXIT_CODES, exitCodeFor } from './exit-codes.js';
import { redactProcessOutput } from './redacting-output.js';

/**
 * Commander's message for a usage mistake (`error: unknown option '--wrokers'` and a
 * `(Did you mean --workers?)` line) as one line: `obifaas: unknown option '--wrokers' (did you
 * mean --workers?); see --help`.
 */
export function usageErrorLine(text: string): string {
  const [first = '', ...rest] = text.trim().split('\n');
  const hints = rest
    .map((line) => line.trim().replace(/^\((.*)\)$/, '$1'))
    .filter((line) => line !== '')
    .map((line) => line.charAt(0).toLowerCase() + line.slice(1));
  return `obifaas: ${first.replace(/^error: /, '').replace(/\.$/, '')}${hints.length > 0 ? ` (${hints.join('; ')})` : ''}; see --help`;
}

export function buildProgram(): Command {
  const program = new Command('obifaas')
    .description(
      'Offline batch inference on serverless functions: split a set of images over many short-lived ' +
        'functions (local processes, AWS Lambda, HTTP functions), classify or embed every image with an ONNX model, ' +
        'cover failures and stragglers, and report latency, throughput and dollars.',
    )
    .version(OBIFAAS_VERSION)
    // Commands made below inherit this: a usage mistake is one line, as every other mistake.
    .configureOutput({ outputError: (text, write) => write(`${usageErrorLine(text)}\n`) })
    .exitOverride();
  for (const define of commandDefinitions) define(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** A closed pipe on stdout (`obifaas ... | head`) ends the command quietly. */
let pipeGuardInstalled = false;
function exitQuietlyOnClosedPipe(): void {
  if (pipeGuardInstalled) return;
  pipeGuardInstalled = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

/** Runs the CLI; returns the process exit code instead of exiting. */
export async function main(argv: string[]): Promise<number> {
  exitQuietlyOnClosedPipe();
  redactProcessOutput();
  // The AWS SDK warns about Node 20 on every call that touches AWS; users see it as noise.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_CODES.done : EXIT_CODES.usage;
    if (err instanceof ObiError) {
      process.stderr.write(`obifaas: ${oneLine(messageOf(err))}\n`);
    } else {
      process.stderr.write(`obifaas: internal error: ${oneLine(messageOf(err))}\n`);
      if (process.env.OBIFAAS_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
    }
    return exitCodeFor(err);
  }
}
