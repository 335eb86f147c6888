/**
 * What `runJob` and `dryRunJob` refuse before anything runs: options that never went through
 * `resolveJobSpec` (as it and the CLI word their mistakes), and a resolved spec changed into one
 * the job manager cannot run. Nothing is created: the output folder named stays absent.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../test/support/temp-dir.js';
import { SpecError, UserError } from '../errors.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import { dryRunJob, resolveJobSpec, runJob } from './job.js';

const temp = useTempDir('obifaas-api-job-');

/** What `run` rejects with. */
async function refusal(run: () => Promise<unknown>): Promise<Error> {
  const outcome = await run().then(
    () => null,
    (err: unknown) => err,
  );
  expect(outcome).toBeInstanceOf(Error);
  return outcome as Error;
}

describe('runJob and dryRunJob refuse what is not a resolved spec', () => {
  it('options with mistakes: the SpecError resolveJobSpec throws, each field named', async () => {
    const options = {
      inputs: path.join(temp.path, 'in'),
      model: 'tiny',
      workers: 0,
      out: path.join(temp.path, 'out'),
    };
    const err = await refusal(() => runJob(options as unknown as ResolvedJobSpec));
    expect(err).toBeInstanceOf(SpecError);
    expect(err.message).toBe('invalid job spec: workers: expected an integer >= 1, got 0');
    expect(() => resolveJobSpec(options)).toThrow(err.message);
    await expect(access(path.join(temp.path, 'out'))).rejects.toThrow();
  });

  it('good options: a UserError that points to resolveJobSpec', async () => {
    const options = { inputs: path.join(temp.path, 'in'), model: 'tiny', out: path.join(temp.path, 'out') };
    for (const [name, call] of [
      ['runJob', runJob],
      ['dryRunJob', dryRunJob],
    ] as const) {
      const err = await refusal(() => call(options as unknown as ResolvedJobSpec));
      expect(err).toBeInstanceOf(UserError);
      expect(err).not.toBeInstanceOf(SpecError);
      expect(err.message).toBe(
        `${name} takes a resolved job spec: pass the options through resolveJobSpec() first`,
      );
    }
  });

  it('a resolved spec changed into a bad one: a SpecError naming each field', async () => {
    const spec = resolveJobSpec({
      inputs: path.join(temp.path, 'in'),
      model: 'tiny',
      out: path.join(temp.path, 'out'),
    });
    const changed = { ...spec, splitSize: 0, dispatch: { type: 'toString' } } as unknown as ResolvedJobSpec;
    const err = await refusal(() => runJob(changed));
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).issues.map((i) => i.path).sort()).toEqual(['dispatch.type', 'splitSize']);
    expect(err.message).toMatch(/^runJob: invalid resolved job spec: /);
    await expect(access(path.join(temp.path, 'out'))).rejects.toThrow();
  });
});

describe('runJob with a signal aborted before it starts', () => {
  it("rejects with the abort's reason and makes no folder", async () => {
    const out = path.join(temp.path, 'never');
    const spec = resolveJobSpec({ inputs: path.join(temp.path, 'in'), model: 'tiny', out });
    const reason = new Error('shutting down');
    await expect(
      runJob(spec, { signal: AbortSignal.abort(reason), home: path.join(temp.path, 'home') }),
    ).rejects.toBe(reason);
    await expect(access(out)).rejects.toThrow();
    await expect(access(path.join(temp.path, 'home'))).rejects.toThrow();
  });
});
