/**
 * Why talking to the dispatcher failed, on the worker's side. No gRPC here: code that checks an
 * address before any connection (`worker/access/dispatcher-address.ts`) raises it without
 * loading the client.
 */
import { ObiError } from '../errors.js';

/** Why talking to the dispatcher failed, for code that decides without reading messages. */
export type DispatcherErrorCode = 'unreachable' | 'refused' | 'closed' | 'protocol';

export class DispatcherError extends ObiError {
  override name = 'DispatcherError';
  constructor(
    message: string,
    readonly code: DispatcherErrorCode,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
