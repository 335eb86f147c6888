/**
 * The `obifaas` command line. Thin: each command module declares its flags and, when run,
 * imports its implementation lazily and runs it through the command runner (`runner.ts`).
 * Errors are printed here, with the exit code of `exit-codes.ts`.
 */
import { Command, CommanderError } from 'commander';
import { messageOf, ObiError } from '../errors.js';
import { commandDefinitions } from './commands/index.js';
import { EXIT_CODES, exitCodeFor } from './exit-codes.js';
import { redactProcessOutput } from './redacting-output.js';

export function buildProgram(): Command {
  const program = new Command('obifaas')
    .description(
      'Offline batch inference on serverless functions: split a set of images over many short-lived ' +
        'functions (local processes, AWS Lambda, HTTP functions), classify or embed every image with an ONNX model, ' +
        'cover failures and stragglers, and report latency, throughput and dollars.',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
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
      process.stderr.write(`obifaas: ${messageOf(err)}\n`);
    } else {
      process.stderr.write(`obifaas: internal error: ${messageOf(err)}\n`);
      if (process.env.OBIFAAS_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
    }
    return exitCodeFor(err);
  }
}
