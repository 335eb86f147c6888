import { describe, expect, it } from 'vitest';
import { SpecError, UserError } from '../errors.js';
import { failureError, failuresOf } from './check-failures.js';

const rejected = (reason: unknown): PromiseSettledResult<unknown> => ({ status: 'rejected', reason });
const fulfilled: PromiseSettledResult<unknown> = { status: 'fulfilled', value: 1 };

describe('failureError', () => {
  it('gives a single mistake as it is', () => {
    const mistake = new UserError("input '/x' does not exist");
    expect(
      failureError(
        failuresOf([
          ['inputs', rejected(mistake)],
          ['out', fulfilled],
        ]),
      ),
    ).toBe(mistake);
  });

  it('lists several under their fields, once each, flattening a SpecError', () => {
    const error = failureError(
      failuresOf([
        [
          'sources',
          rejected(
            new SpecError([
              { path: 'inputs', message: 'missing' },
              { path: 'model', message: 'gone' },
            ]),
          ),
        ],
        ['out', rejected(new UserError("out: '/o' is not empty (it holds a)"))],
      ]),
    );
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).message).toBe(
      "cannot start the job: inputs: missing; model: gone; out: '/o' is not empty (it holds a)",
    );
  });

  it("gives an error that is not the user's as it is, whatever else failed", () => {
    const bug = new TypeError('x is undefined');
    expect(
      failureError(
        failuresOf([
          ['inputs', rejected(new UserError('no'))],
          ['model', rejected(bug)],
        ]),
      ),
    ).toBe(bug);
  });
});
