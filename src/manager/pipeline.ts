/** Pipeline settings as a job's functions receive them (pure). */
import type { ResolvedJobSpec } from '../spec/types.js';
import type { PipelineConfig } from '../protocol/invocation.js';

/**
 * The pipeline settings for a job whose functions run `functionsAtOnce` at a time: with
 * automatic threads, the machine's cores are shared among them (a small job gets more each).
 */
export function effectivePipeline(spec: ResolvedJobSpec, functionsAtOnce: number): PipelineConfig {
  if (!spec.autoThreads) return spec.pipeline;
  const intraOpThreads = Math.max(1, Math.floor(spec.autoThreads.cores / Math.max(1, functionsAtOnce)));
  return { ...spec.pipeline, predict: { ...spec.pipeline.predict, intraOpThreads } };
}
