import { describe, expect, it } from 'vitest';
import { compileJobSpec } from '../spec/compile.js';
import { effectivePipeline } from './pipeline.js';

const context = { cores: 8, now: new Date(), cwd: '/' };

describe('effectivePipeline', () => {
  it('shares the cores among the functions that run at once', () => {
    const spec = compileJobSpec(
      { inputs: 'm.txt', model: 'tiny', backend: { type: 'local', maxConcurrency: 4 } },
      context,
    );
    expect(spec.pipeline.predict.intraOpThreads).toBe(2);
    expect(effectivePipeline(spec, 4).predict.intraOpThreads).toBe(2);
    expect(effectivePipeline(spec, 1).predict.intraOpThreads).toBe(8);
    expect(effectivePipeline(spec, 3).predict.intraOpThreads).toBe(2);
    expect(effectivePipeline(spec, 16).predict.intraOpThreads).toBe(1);
  });
  it('keeps threads the user set', () => {
    const spec = compileJobSpec(
      { inputs: 'm.txt', model: 'tiny', pipeline: { predict: { intraOpThreads: 3 } } },
      context,
    );
    expect(spec.autoThreads).toBeUndefined();
    expect(effectivePipeline(spec, 1).predict.intraOpThreads).toBe(3);
  });
});
