/**
 * What `runJob` and `dryRunJob` refuse before anything runs: options that never went through
 * `resolveJobSpec` (as it and the CLI word their mistakes), and a resolved spec changed into one
 * the job manager cannot run. Nothing is created: the output folder named stays absent.
 */
import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../test/support/temp-dir.js';
import { ModelError, SpecError, UserError } from '../errors.js';
import type { JobOptions } from '../spec/schema.js';
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

describe('a failed start-up check, one or several: one SpecError, each issue under its field', () => {
  /** A job over a two-key manifest with `options`, the output folder in the temporary folder. */
  async function specWith(options: Partial<JobOptions>): Promise<ResolvedJobSpec> {
    const manifest = path.join(temp.path, 'manifest.txt');
    await writeFile(manifest, 'a.jpg\nb.jpg\n');
    return resolveJobSpec({ inputs: manifest, model: 'tiny', out: path.join(temp.path, 'out'), ...options });
  }

  it('a missing model alone: its issue under model, the message as the check words it', async () => {
    const model = path.join(temp.path, 'nope.onnx');
    const spec = await specWith({ model });
    for (const call of [() => runJob(spec), () => dryRunJob(spec)]) {
      const err = await refusal(call);
      expect(err).toBeInstanceOf(SpecError);
      expect((err as SpecError).issues).toEqual([{ path: 'model', message: expect.stringContaining(model) }]);
      expect(err.message).toBe(`model file not found: ${model}`);
      expect(err.message).not.toMatch(/cannot start the job/);
    }
    await expect(access(spec.outDir)).rejects.toThrow();
  });

  it('missing inputs alone, a file that is no model, and several at once', async () => {
    const none = path.join(temp.path, 'none.txt');
    const inputs = (await refusal(async () => runJob(await specWith({ inputs: none })))) as SpecError;
    expect(inputs).toBeInstanceOf(SpecError);
    expect(inputs.issues.map((i) => i.path)).toEqual(['inputs']);
    expect(inputs.message).not.toMatch(/cannot start the job/);

    const notOnnx = path.join(temp.path, 'model.onnx');
    await writeFile(notOnnx, 'not a model');
    const contract = (await refusal(async () => dryRunJob(await specWith({ model: notOnnx })))) as SpecError;
    expect(contract).toBeInstanceOf(SpecError);
    expect(contract.issues.map((i) => i.path)).toEqual(['model']);
    expect(contract.cause).toBeInstanceOf(ModelError);
    expect(contract.message).toBe((contract.cause as Error).message);

    const both = await specWith({ inputs: none, model: path.join(temp.path, 'nope.onnx') });
    const several = (await refusal(() => runJob(both))) as SpecError;
    expect(several).toBeInstanceOf(SpecError);
    expect(several.issues.map((i) => i.path)).toEqual(['inputs', 'model']);
    expect(several.message).toMatch(/^cannot start the job: inputs: .*; model: /);
  });

  it('an output folder in use: its issue under out', async () => {
    const spec = await specWith({});
    await mkdir(spec.outDir, { recursive: true });
    await writeFile(path.join(spec.outDir, 'other.txt'), 'x');
    const err = (await refusal(() => runJob(spec))) as SpecError;
    expect(err).toBeInstanceOf(SpecError);
    expect(err.issues).toEqual([{ path: 'out', message: expect.stringMatching(/is not empty/) }]);
    expect(err.message).toMatch(/^out: .* is not empty/);
  });
});
