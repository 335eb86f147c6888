/** `obifaas serve-function`: runs the worker as an HTTP function, for any container platform. */
import { once } from 'node:events';
import { Option, type Command } from 'commander';
import { DEFAULT_BODY_TIMEOUT_MS, DEFAULT_MAX_REQUEST_BYTES } from '../../protocol/http-function.js';
import { MAX_PORT } from '../../protocol/limits.js';
import { parseDurationOption, parseIntOption, parseIntRangeOption } from '../options.js';
import {
  accessFromFlags,
  addFunctionAccessOptions,
  type FunctionAccessFlags,
} from '../function-access-flags.js';
import { runCommand } from '../runner.js';
import type { CommandDefinition } from './index.js';

interface ServeFunctionFlags extends FunctionAccessFlags {
  port: number;
  bodyTimeout: number;
  host: string;
  token?: string;
  allowNoToken?: boolean;
  maxRequestMb: number;
  concurrency: number;
}

export const serveFunctionCommand: CommandDefinition = (program: Command) => {
  const command = program
    .command('serve-function')
    .description(
      'Run the worker as an HTTP function: POST /invoke runs one payload, GET /healthz says it is up.',
    )
    .addHelpText(
      'after',
      [
        '',
        'Put this command in a container (Knative, OpenFaaS, Cloud Run, a VM) and point a job at it with',
        '`obifaas run --backend http --url http://host:port` (several --url values, comma-separated).',
        '',
        'POST /invoke takes a worker payload (JSON) and answers the worker result, or an error object',
        '{errorType, errorMessage}: 400 for a mistake in the payload, 403 for what the deployment does',
        'not allow, 500 for a failure of the function; the figures of the invocation (cold start, init',
        'and handler time, peak memory) travel in x-obifaas-* response headers. Bodies over',
        '--max-request-mb get 413, bodies slower than --body-timeout 408; invocations beyond',
        '--concurrency get 429 with Retry-After.',
        '',
        'Security: binds 127.0.0.1 unless --host says otherwise. With a token (--token or',
        'OBIFAAS_FUNCTION_TOKEN, the environment is safer than the command line), /invoke requires',
        '"Authorization: Bearer <token>"; another host without a token is refused unless --allow-no-token',
        '(when a platform in front authenticates). Without a token, only requests to a loopback Host are',
        'answered. Bodies must be application/json. The token is never printed.',
        '',
        'What the function may read and dial is fixed here, never by the payload: --allow-read (folders and',
        'files), --allow-buckets (S3), --storage-endpoint (the only S3 endpoint it sends requests to) and',
        '--allow-dispatchers (default loopback), and --require-dispatcher-tls (no dispatcher in clear text).',
        'A payload asking for anything else gets 403.',
        '',
        'Prints "obifaas function listening on http://HOST:PORT" once ready. SIGINT, SIGTERM or SIGHUP',
        'stops it: it takes no more requests, cancels the running ones, and exits 0.',
      ].join('\n'),
    )
    .option(
      '--port <n>',
      'port to listen on (0 = any free port)',
      parseIntRangeOption('--port', 0, MAX_PORT),
      8080,
    )
    .option('--host <address>', 'interface to bind', '127.0.0.1')
    .option('--token <token>', 'bearer token required on /invoke (default: $OBIFAAS_FUNCTION_TOKEN)')
    .option('--allow-no-token', 'serve a non-loopback address without a token')
    .option(
      '--max-request-mb <n>',
      'largest request body, MB',
      parseIntOption('--max-request-mb'),
      DEFAULT_MAX_REQUEST_BYTES / (1024 * 1024),
    )
    .option('--concurrency <n>', 'invocations at once', parseIntOption('--concurrency'), 1)
    .addOption(
      new Option('--body-timeout <duration>', 'longest time to receive a request body (408 beyond)')
        .argParser(parseDurationOption('--body-timeout'))
        .default(DEFAULT_BODY_TIMEOUT_MS, `${DEFAULT_BODY_TIMEOUT_MS / 1000}s`),
    );
  addFunctionAccessOptions(command).action(async (flags: ServeFunctionFlags) => {
    const { startFunctionServer } = await import('../../worker/entry/http-server.js');
    const { FUNCTION_TOKEN_ENV } = await import('../../protocol/http-function.js');
    const token = flags.token ?? process.env[FUNCTION_TOKEN_ENV];
    const access = accessFromFlags(flags);
    // Serves until a signal: then it stops taking requests, cancels the running ones, exits 0.
    await runCommand(
      { cancelling: 'the function server: stopping the running invocations' },
      async ({ signal }) => {
        const server = await startFunctionServer({
          port: flags.port,
          host: flags.host,
          ...(token ? { token } : {}),
          ...(flags.allowNoToken ? { allowNoToken: true } : {}),
          maxRequestBytes: flags.maxRequestMb * 1024 * 1024,
          concurrency: flags.concurrency,
          bodyTimeoutMs: flags.bodyTimeout,
          deployment: { access },
        });
        process.stdout.write(
          `obifaas function listening on ${server.url}${token ? ' (token required)' : ''}\n`,
        );
        if (!signal.aborted) await once(signal, 'abort');
        await server.close();
        return { value: undefined };
      },
    );
  });
};
