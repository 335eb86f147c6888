/** Time estimates from each source: a shipped profile's name, a profile value, a CPR model file or value. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REFERENCE_CPR_MODEL } from '../planning/cpr-model.js';
import { loadTimeEstimate } from './time-estimate.js';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');

describe('loadTimeEstimate', () => {
  it('reads a shipped profile by name, and checks a profile given as a value', async () => {
    expect(await loadTimeEstimate({ profile: 'lambda-resnet50-3008' })).toMatchObject({
      kind: 'profile',
      name: 'lambda-resnet50-3008',
      memoryMb: 3008,
    });
    const value = {
      name: 'mine',
      memoryMb: 1024,
      splitSize: 10,
      secondsPerSplit: 5,
      initSeconds: 1,
      concurrencyLimit: 5,
    };
    expect(await loadTimeEstimate({ profile: value })).toEqual({
      kind: 'profile',
      name: 'mine',
      memoryMb: 1024,
      secondsPerImage: 0.5,
      perSplitOverheadSeconds: 0,
      initSeconds: 1,
    });
    await expect(loadTimeEstimate({ profile: { ...value, splitSize: 0 } })).rejects.toThrow(/splitSize/);
  });

  it('reads a CPR model file, or takes a model value', async () => {
    const file = path.join(repoRoot, 'planning-data', 'reference-cpr-model.json');
    const fromFile = await loadTimeEstimate({ cprModel: file });
    expect(fromFile).toMatchObject({
      kind: 'cpr-model',
      name: file,
      model: { compute: REFERENCE_CPR_MODEL.compute },
    });
    expect(await loadTimeEstimate({ cprModel: REFERENCE_CPR_MODEL })).toMatchObject({ kind: 'cpr-model' });
    await expect(loadTimeEstimate({ cprModel: path.join(repoRoot, 'nope.json') })).rejects.toThrow(
      /--cpr-model: cannot read '.*nope\.json': no such file/,
    );
  });
});
