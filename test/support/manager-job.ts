/** Specs for the job manager's tests on the scripted in-memory backend. */
import path from 'node:path';
import { compileJobSpec } from '../../src/spec/compile.js';

/**
 * The spec of a job over `dir/manifest.txt` with the model `dir/model.onnx`, 3 workers and its
 * outputs in `dir/out`; `extra` overrides or adds options.
 */
export function jobSpecIn(dir: string, extra: Record<string, unknown> = {}) {
  return compileJobSpec(
    {
      inputs: path.join(dir, 'manifest.txt'),
      model: path.join(dir, 'model.onnx'),
      workers: 3,
      out: path.join(dir, 'out'),
      ...extra,
    },
    { cores: 2, now: new Date(), cwd: dir },
  );
}
