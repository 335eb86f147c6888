/** Why talking to the dispatcher failed, on the worker's side: the error, and how a closed stream reads. */
import * as grpc from '@grpc/grpc-js';
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

/** The error a stream ended with, as a DispatcherError that says whether this worker was refused. */
export function closedError(where: string, err: grpc.ServiceError): DispatcherError {
  if (err.code === grpc.status.UNAUTHENTICATED || err.code === grpc.status.INVALID_ARGUMENT) {
    return new DispatcherError(`the dispatcher at ${where} refused this worker: ${err.details}`, 'refused', {
      cause: err,
    });
  }
  const details = err.details || err.message;
  return new DispatcherError(`the dispatcher at ${where} closed the stream: ${details}`, 'closed', {
    cause: err,
  });
}
