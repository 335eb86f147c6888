/** A resumed job's model and labels against the digests it started with. */
import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { refuseChangedModel } from './model-digests.js';

const a = 'a'.repeat(64);
const b = 'b'.repeat(64);

describe('refuseChangedModel', () => {
  it('lets the same files through', () => {
    expect(() =>
      refuseChangedModel('j', { model: 'm.onnx' }, { sha256: a, bytes: 1 }, { sha256: a, bytes: 1 }),
    ).not.toThrow();
  });

  it('refuses a changed model in one line naming the file and both digests', () => {
    const err = (() => {
      try {
        refuseChangedModel('j', { model: 'm.onnx' }, { sha256: a, bytes: 1 }, { sha256: b, bytes: 1 });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(
      `cannot resume job j: its model m.onnx changed since the job started (sha256 ${'a'.repeat(12)} then, ${'b'.repeat(12)} now); a job's results are one model's: start a new job for this model`,
    );
  });

  it('refuses changed labels, and labels added or removed', () => {
    const model = { sha256: a, bytes: 1 };
    const files = { model: 'm.onnx', labels: 'l.txt' };
    expect(() =>
      refuseChangedModel('j', files, { ...model, labelsSha256: a }, { ...model, labelsSha256: b }),
    ).toThrow(/its labels file l.txt changed since the job started \(sha256 a{12} then, b{12} now\)/);
    expect(() => refuseChangedModel('j', files, model, { ...model, labelsSha256: b })).toThrow(
      /sha256 none then, b{12} now/,
    );
  });
});
