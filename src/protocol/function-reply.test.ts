import { describe, expect, it } from 'vitest';
import { ModelError, SpecError, UserError } from '../errors.js';
import { errorBody, functionError } from './function-reply.js';

describe('errorBody and functionError', () => {
  it("carry a thrown error's class: user mistakes are not retried, anything else is", () => {
    const back = (err: unknown) => functionError(errorBody(err), 'Error', 'the function');
    expect(back(new UserError('no such input'))).toMatchObject({
      message: 'UserError: no such input',
      retryable: false,
    });
    expect(
      back(new SpecError([{ path: 'splits', message: 'expected an array' }], 'invalid payload')).retryable,
    ).toBe(false);
    expect(back(new ModelError('not ONNX')).retryable).toBe(false);
    expect(back(new TypeError('boom'))).toMatchObject({ message: 'TypeError: boom', retryable: true });
    expect(back('thrown text')).toMatchObject({ message: 'Error: thrown text', retryable: true });
  });

  it('names the function when the error has no message', () => {
    expect(
      functionError({ errorType: 'Error', errorMessage: ' ' }, 'Error', 'the function process').message,
    ).toBe('Error: the function process failed without a message');
  });
});
