/**
 * What the CLI prints goes through the one redaction of secrets in URLs (`util/redact.ts`):
 * every text written to stdout or stderr, whoever writes it (a command, the runner, commander's
 * usage errors), has the credentials of its URLs masked.
 */
import { redactUrlCredentials } from '../util/redact.js';

let installed = false;

/** Makes the process's stdout and stderr mask credentials in URLs (once). */
export function redactProcessOutput(): void {
  if (installed) return;
  installed = true;
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) =>
      write(typeof chunk === 'string' ? redactUrlCredentials(chunk) : chunk, ...rest)) as typeof stream.write;
  }
}
