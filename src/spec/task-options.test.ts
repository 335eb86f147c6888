import { describe, expect, it } from 'vitest';
import type { Issue } from '../errors.js';
import { compileTaskOptions, jobTask } from './task-options.js';

function compile(options: Parameters<typeof compileTaskOptions>[0]): { task: unknown; issues: Issue[] } {
  const issues: Issue[] = [];
  return { task: compileTaskOptions(options, issues), issues };
}

describe('task options', () => {
  it('keeps what was given, nothing for nothing', () => {
    expect(compile(undefined)).toEqual({ task: undefined, issues: [] });
    expect(compile({})).toEqual({ task: undefined, issues: [] });
    expect(compile({ kind: 'embed', normalize: true })).toEqual({
      task: { kind: 'embed', normalize: true },
      issues: [],
    });
    expect(compile({ activation: 'sigmoid' })).toEqual({ task: { activation: 'sigmoid' }, issues: [] });
  });

  it('refuses settings of the other kind, and a threshold without sigmoid', () => {
    expect(compile({ kind: 'embed', activation: 'none' }).issues).toEqual([
      { path: 'task.activation', message: 'a setting of classify tasks; this task is embed' },
    ]);
    expect(compile({ kind: 'classify', normalize: true }).issues).toEqual([
      { path: 'task.normalize', message: 'a setting of embed tasks; this task is classify' },
    ]);
    expect(compile({ activation: 'sigmoid', normalize: true }).issues).toEqual([
      {
        path: 'task.normalize',
        message: 'an embed setting, given with the classify setting task.activation; set task.kind',
      },
    ]);
    expect(compile({ kind: 'classify', activation: 'softmax', threshold: 0.5 }).issues).toEqual([
      { path: 'task.threshold', message: "a threshold needs activation 'sigmoid' (multi-label scores)" },
    ]);
  });
});

describe('jobTask', () => {
  it('is classify by default', () => {
    expect(jobTask(undefined)).toEqual({ kind: 'classify' });
  });

  it("takes the job's settings over the model's, field by field, of the same kind", () => {
    const fromModel = { kind: 'embed' as const, output: 'pooled', normalize: true };
    expect(jobTask(undefined, fromModel)).toEqual(fromModel);
    expect(jobTask({ normalize: false }, fromModel)).toEqual({ ...fromModel, normalize: false });
    // Another kind than the model's: none of the model's settings carry over.
    expect(jobTask({ kind: 'classify' }, fromModel)).toEqual({ kind: 'classify' });
    expect(jobTask({ activation: 'none' }, { kind: 'classify', output: 'probs' })).toEqual({
      kind: 'classify',
      output: 'probs',
      activation: 'none',
    });
  });

  it('refuses a task that does not hold together once merged', () => {
    expect(() => jobTask({ threshold: 0.3 })).toThrow(
      "invalid task: task.threshold: a threshold needs activation 'sigmoid' (multi-label scores)",
    );
    expect(() => jobTask({ normalize: true })).toThrow(
      'invalid task: task.normalize: a setting of embed tasks; this task is classify',
    );
  });
});
