import { describe, expect, it } from 'vitest';
import { ModelError, SpecError, UserError } from '../errors.js';
import { failureError, failuresOf } from './check-failures.js';

const rejected = (reason: unknown): PromiseSettledResult<unknown> => ({ status: 'rejected', reason });
const fulfilled: PromiseSettledResult<unknown> = { status: 'fulfilled', value: 1 };

describe('failureError', () => {
  it('gives a single mistake as a SpecError in its own words, its issue under the field checked', () => {
    const mistake = new UserError("input '/x' does not exist");
    const error = failureError(
      failuresOf([
        ['inputs', rejected(mistake)],
        ['out', fulfilled],
      ]),
    );
    expect(error).toBeInstanceOf(SpecError);
    expect(error).toMatchObject({
      message: "input '/x' does not exist",
      issues: [{ path: 'inputs', message: "input '/x' does not exist" }],
      cause: mistake,
    });
    // A message that starts with the field: the issue has the rest; a model's own error is the cause.
    const model = new ModelError("model: input 'x': expected float32 [N, 3, 224, 224]");
    expect(failureError(failuresOf([['model', rejected(model)]]))).toMatchObject({
      message: model.message,
      issues: [{ path: 'model', message: "input 'x': expected float32 [N, 3, 224, 224]" }],
      cause: model,
    });
    // A SpecError of its own (a manifest's bad lines) is given as it is.
    const lines = new SpecError([{ path: 'manifest.txt:3', message: 'not a key' }], 'bad manifest');
    expect(failureError(failuresOf([['inputs', rejected(lines)]]))).toBe(lines);
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
