/** An embed job's replies against their transport, checked before anything starts. */
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_VECTOR_VALUES } from '../protocol/limits.js';
import { compileJobSpec } from '../spec/compile.js';
import { checkEmbedReplies } from './embed-replies.js';
import type { JobTask } from './job-contract.js';

const dir = path.join(os.tmpdir(), 'obifaas-embed-replies'); // never written: the spec only names it

function spec(extra: Record<string, unknown> = {}) {
  return compileJobSpec(
    { inputs: 'in.txt', model: path.join(dir, 'two.onnx'), out: path.join(dir, 'out'), ...extra },
    { cores: 2, now: new Date(), cwd: dir },
  );
}

describe('checkEmbedReplies', () => {
  const embed = (width: number | null): JobTask => ({
    task: { kind: 'embed' },
    resolved: { kind: 'embed', output: 'f', normalize: false },
    width,
  });
  const keys = Array.from({ length: 2000 }, (_, i) => `images/${String(i).padStart(5, '0')}.jpg`);
  const lambda = { backend: { type: 'lambda', functionPrefix: 'obifaas' } };

  it('refuses a static invocation whose vectors exceed Lambda’s 6 MB response', () => {
    expect(() => checkEmbedReplies(spec({ ...lambda, workers: 2 }), keys, embed(1280))).toThrow(
      /^embed: the vectors of one invocation \(1000 inputs x 1280 float32 values, about 6\.6 MB\) do not fit in Lambda's 6 MB response limit; use at most 900 inputs per invocation \(--workers 3 or more, or --mode dynamic\)$/,
    );
    expect(() => checkEmbedReplies(spec({ ...lambda, workers: 3 }), keys, embed(1280))).not.toThrow();
    // Local functions have no reply limit; classify jobs and unknown lengths are not checked here.
    expect(() => checkEmbedReplies(spec({ workers: 1 }), keys, embed(1280))).not.toThrow();
    expect(() => checkEmbedReplies(spec({ ...lambda, workers: 1 }), keys, embed(null))).not.toThrow();
  });

  it('refuses vectors longer than a result may carry, whatever the transport', () => {
    expect(() => checkEmbedReplies(spec({ workers: 1 }), keys, embed(MAX_VECTOR_VALUES + 1))).toThrow(
      `embed: output 'f' has ${MAX_VECTOR_VALUES + 1} values per input, more than the ${MAX_VECTOR_VALUES} a vector may hold; read a smaller output (--output)`,
    );
  });

  it("refuses a dynamic split whose vectors exceed the dispatcher's message limit", () => {
    const dynamic = { mode: 'dynamic', splitSize: 2000 };
    expect(() => checkEmbedReplies(spec(dynamic), keys, embed(1280))).toThrow(
      /^embed: the vectors of one split \(2000 inputs x 1280 float32 values, about 9\.8 MB\) do not fit in the dispatcher's 8\.0 MB message limit; use --split-size 1625 or less$/,
    );
    expect(() => checkEmbedReplies(spec({ ...dynamic, splitSize: 1625 }), keys, embed(1280))).not.toThrow();
  });
});
