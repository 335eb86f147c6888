/** `obifaas serve-function`: runs the worker as an HTTP function, for any container platform. */
import { once } from 'node:events';
import { Option, type Command } from 'commander';
import {
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_FUNCTION_PORT,
  DEFAULT_MAX_REQUEST_BYTES,
} from '../../protocol/http-function.js';
import { MAX_PORT } from '../../protocol/limits.js';
import { parseDurationOption, parseIntOption, parseIntRangeOption, parseNonEmptyOption } from '../options.js';
import {
  accessFromFlags,
  addFunctionAccessOptions,
  type FunctionAccessFlags,
} from '../function-access-flags.js';
import { runCommand } from '../runner.js';
import type { CommandDefinition } from './index.js';
import { stuckAfterOption } from '../stuck-after-option.js';
import { STUCK_AFTER_ENV } from '../../protocol/stuck-wait.js';

interface ServeFunctionFlags extends FunctionAccessFlags {
  port: number;
  bodyTimeout: number;
  host: string;
  token?: string;
  allowNoToken?: boolean;
  maxRequestMb: number;
  concurrency: number;
  stuckAfter?: number;
  cores?: number;
  exitWhenStuck?: boolean;
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
        'A stopped invocation (its caller gave up) whose model run goes on longer than --stuck-after leaves',
        'its inference thread stuck: the model run cannot be interrupted and holds its cores. A line on',
        "stderr says so (the model's SHA-256, how long). The batches queued behind it go to another thread,",
        "and a new thread replaces it while --cores covers the stuck threads' intra-op threads and those of",
        "the model's threads with the new one, and the memory left covers one more thread of the model (a",
        "stuck thread keeps its model's memory; the limit is the container's, else the machine's). Once",
        'stuck threads hold all the cores, or leave a model no thread, GET /healthz answers 503 with',
        '{ok: false, reason} and',
        'POST /invoke 503 with Retry-After (the http backend retries elsewhere). With --exit-when-stuck, a',
        'stuck thread ends the process instead: it writes why, cancels the running invocations and ends',
        'itself (SIGKILL: a process cannot exit while a thread is inside a run) for a supervisor to restart.',
        '',
        'Prints "obifaas function listening on http://HOST:PORT" once ready. SIGINT, SIGTERM or SIGHUP',
        'stops it: it takes no more requests, cancels the running ones, and exits 0 (with a stuck',
        'thread, it ends by SIGKILL after saying so).',
      ].join('\n'),
    )
    .option(
      '--port <n>',
      'port to listen on (0 = any free port)',
      parseIntRangeOption('--port', 0, MAX_PORT),
      DEFAULT_FUNCTION_PORT,
    )
    .option(
      '--host <address>',
      'interface to bind',
      parseNonEmptyOption('--host', 'give an address, or leave --host out for 127.0.0.1'),
      '127.0.0.1',
    )
    .option(
      '--token <token>',
      'bearer token required on /invoke (default: $OBIFAAS_FUNCTION_TOKEN)',
      parseNonEmptyOption(
        '--token',
        'give the token, or leave --token out (a function without one answers loopback only)',
      ),
    )
    .option('--allow-no-token', 'serve a non-loopback address without a token')
    .option(
      '--max-request-mb <n>',
      'largest request body, MB',
      parseIntOption('--max-request-mb'),
      DEFAULT_MAX_REQUEST_BYTES / (1024 * 1024),
    )
    .option('--concurrency <n>', 'invocations at once', parseIntOption('--concurrency'), 1)
    .addOption(stuckAfterOption(`env ${STUCK_AFTER_ENV}`))
    .option(
      '--cores <n>',
      'cores the function may use; stuck threads count against them (default: the CPUs Node sees)',
      parseIntOption('--cores'),
    )
    .option(
      '--exit-when-stuck',
      'end the process once an inference thread is stuck, for a supervisor to restart it',
    )
    .addOption(
      new Option('--body-timeout <duration>', 'longest time to receive a request body (408 beyond)')
        .argParser(parseDurationOption('--body-timeout'))
        .default(DEFAULT_BODY_TIMEOUT_MS, `${DEFAULT_BODY_TIMEOUT_MS / 1000}s`),
    );
  addFunctionAccessOptions(command).action(async (flags: ServeFunctionFlags) => {
    const { startFunctionServer } = await import('../../worker/entry/http-server.js');
    const { FUNCTION_TOKEN_ENV } = await import('../../protocol/http-function.js');
    const health = await import('../../worker/function-health.js');
    const { killProcessWithStuckThreads } = await import('../../worker/entry/end-process.js');
    const token = flags.token ?? process.env[FUNCTION_TOKEN_ENV];
    const access = accessFromFlags(flags);
    const { stuckAfterFromEnv } = await import('../../protocol/stuck-wait.js');
    health.configureFunctionHealth({
      stuckAfterMs: flags.stuckAfter ?? stuckAfterFromEnv(process.env),
      ...(flags.cores !== undefined ? { cores: flags.cores } : {}),
    });
    const unhealthy = new AbortController();
    const onUnhealthy = (reason: string): void => {
      if (flags.exitWhenStuck) unhealthy.abort(reason);
    };
    health.onStuckThread((event) => {
      const line = health.stuckThreadLine(event);
      process.stderr.write(`obifaas function: ${line}\n`);
      onUnhealthy(line);
    });
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
          onUnhealthy,
        });
        process.stdout.write(
          `obifaas function listening on ${server.url}${token ? ' (token required)' : ''}\n`,
        );
        const stopping = AbortSignal.any([signal, unhealthy.signal]);
        if (!stopping.aborted) await once(stopping, 'abort');
        await server.close();
        const stuck = health.functionHealth().stuckThreads;
        if (unhealthy.signal.aborted) {
          killProcessWithStuckThreads(
            `obifaas function: exiting (--exit-when-stuck): ${String(unhealthy.signal.reason)}`,
          );
        }
        if (stuck > 0) {
          killProcessWithStuckThreads(
            `obifaas function: ${stuck} stuck inference thread(s) cannot be stopped: ending the process by SIGKILL`,
          );
        }
        return { value: undefined };
      },
    );
  });
};
