/**
 * Reads what a remote function sent back (pure): a worker result, or an error object
 * `{errorType, errorMessage}` (Lambda's shape, which the HTTP function server uses too). Decides
 * whether a failed invocation is worth retrying from the error's type, never from its text.
 */
import { BackendError } from '../errors.js';
import { checkSchema } from '../util/schema.js';
import type { WorkerResult } from './invocation.js';
import { workerResultSchema } from './result-schema.js';

/**
 * Error types for which trying again cannot help: mistakes in the payload or the model, a
 * result over the platform's size limit, and a deployment whose code cannot load.
 */
export const NON_RETRYABLE_ERROR_TYPES: ReadonlySet<string> = new Set([
  'UserError',
  'SpecError',
  'ModelError',
  'AccessError',
  'Function.ResponseSizeTooLarge',
  'Runtime.ImportModuleError',
  'Runtime.HandlerNotFound',
  'Runtime.UserCodeSyntaxError',
  'Runtime.MalformedHandlerName',
]);

/** The error object a function returns. */
export interface FunctionErrorBody {
  errorType?: string;
  errorMessage?: string;
}

/** The error object a function sends for what it threw: the error's class name and message. */
export function errorBody(err: unknown): Required<FunctionErrorBody> {
  const e = err instanceof Error ? err : new Error(String(err));
  return { errorType: e.name, errorMessage: e.message };
}

export type FunctionReply = { ok: true; result: WorkerResult } | { ok: false; error: BackendError };

function text(bytes: Uint8Array | string | undefined): string {
  if (bytes === undefined) return '';
  return typeof bytes === 'string'
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/**
 * `value` as a {@link WorkerResult}, or what is wrong with it (the first few field paths and
 * what each should be, one line).
 */
function checkWorkerResult(
  value: unknown,
): { ok: true; result: WorkerResult } | { ok: false; problem: string } {
  const checked = checkSchema(workerResultSchema, value);
  if (checked.ok) return { ok: true, result: checked.data as unknown as WorkerResult };
  const shown = checked.issues.slice(0, 3).map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));
  if (checked.issues.length > 3) shown.push(`and ${checked.issues.length - 3} more`);
  return { ok: false, problem: shown.join('; ') };
}

/** A failed invocation from a function's error object. */
export function functionError(body: unknown, fallbackType: string, where: string): BackendError {
  const b = (typeof body === 'object' && body !== null ? body : {}) as FunctionErrorBody;
  const type = typeof b.errorType === 'string' && b.errorType !== '' ? b.errorType : fallbackType;
  const message = typeof b.errorMessage === 'string' ? b.errorMessage.trim() : '';
  let line = `${type}: ${message || `${where} failed without a message`}`;
  if (type === 'Function.ResponseSizeTooLarge') line += ' (use fewer inputs per invocation)';
  return new BackendError(line, !NON_RETRYABLE_ERROR_TYPES.has(type));
}

/**
 * A function's reply: `functionErrorHeader` is Lambda's `FunctionError` (`Unhandled`/`Handled`)
 * or undefined on success; `where` names the function for messages.
 */
export function readFunctionReply(
  payload: Uint8Array | string | undefined,
  functionErrorHeader: string | undefined,
  where: string,
): FunctionReply {
  const body = text(payload);
  let parsed: unknown;
  try {
    parsed = body === '' ? undefined : JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  if (functionErrorHeader) {
    const error =
      parsed === undefined
        ? new BackendError(
            `${functionErrorHeader} error in ${where}: ${body.slice(0, 300) || 'no message'}`,
            true,
          )
        : functionError(parsed, functionErrorHeader, where);
    return { ok: false, error };
  }
  const checked = parsed === undefined ? undefined : checkWorkerResult(parsed);
  if (!checked?.ok) {
    const why = checked ? ` (${checked.problem})` : '';
    return {
      ok: false,
      error: new BackendError(
        `${where} returned something that is not a worker result${why}: ${body.slice(0, 200) || '(empty)'}`,
        false,
      ),
    };
  }
  return { ok: true, result: checked.result };
}
