/**
 * Hostile and broken records in a killed job's folder against the real CLI (child processes):
 * copies of the folder are damaged or edited the ways an unlucky user, another version or an
 * attacker would. Every `run --resume` of a damaged copy must be refused with exit 2 and one
 * line naming the file, the line and the field, and leave the records as they were (nothing
 * lost, nothing duplicated). The undamaged copy, job.json, --out folders and the lock:
 * job-folder.test.ts.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRefusal } from '../support/cli-refusal.js';
import { snapshot } from '../support/killed-job.js';
import { copyOf, killed, removeKilledJob, resume, startKilledJob } from './support/killed-job-folder.js';

beforeAll(startKilledJob);
afterAll(removeKilledJob);

/** Edits the lines of a JSON-lines file of `folder`. */
async function editLines(folder: string, file: string, edit: (lines: string[]) => string[]): Promise<void> {
  const full = path.join(folder, file);
  const lines = (await readFile(full, 'utf8')).split('\n').filter((l) => l !== '');
  await writeFile(
    full,
    edit(lines)
      .map((l) => `${l}\n`)
      .join(''),
  );
}

/** Edits one JSON line (0-based) of a JSON-lines file. */
const editLine =
  (i: number, edit: (value: Record<string, unknown>) => unknown) =>
  (lines: string[]): string[] =>
    lines.map((l, j) => (j === i ? JSON.stringify(edit(JSON.parse(l) as Record<string, unknown>)) : l));

/** `job.spec.json` as a test edits it. */
interface SpecFile {
  spec: { dispatch: { type: string }; model?: unknown; backend: object; storage?: unknown };
  inputs: { count: number };
}

async function editSpec(folder: string, edit: (value: SpecFile) => void): Promise<void> {
  const file = path.join(folder, 'job.spec.json');
  const value = JSON.parse(await readFile(file, 'utf8')) as SpecFile;
  edit(value);
  await writeFile(file, JSON.stringify(value, null, 2));
}

interface Case {
  name: string;
  damage: (folder: string) => Promise<void>;
  refusal: RegExp;
}

/**
 * The cases of one class: each on its own copy, each refused, each copy's records untouched.
 * The copies are independent, so their resumes run at once (one CLI process each).
 */
async function expectEachRefused(cases: readonly Case[]): Promise<void> {
  await Promise.all(
    cases.map(async (c) => {
      const folder = await copyOf(killed);
      await c.damage(folder);
      const before = await snapshot(folder);
      const run = await resume(folder);
      expectRefusal(run, c.refusal);
      expect(run.stderr, c.name).not.toMatch(/internal error|Cannot read properties/);
      expect(await snapshot(folder), `${c.name}: the records are left as they were`).toEqual(before);
    }),
  );
}

describe('resume checks every record against the plan', () => {
  it('refuses split log lines whose counts are not integers that add up', async () => {
    await expectEachRefused([
      {
        name: 'ok 1.5',
        damage: (f) =>
          editLines(
            f,
            'splits.jsonl',
            editLine(0, (l) => ({ ...l, ok: 1.5 })),
          ),
        refusal: /splits\.jsonl:1: ok: expected an integer >= 0, got 1\.5/,
      },
      {
        name: 'ok -8',
        damage: (f) =>
          editLines(
            f,
            'splits.jsonl',
            editLine(0, (l) => ({ ...l, ok: -8 })),
          ),
        refusal: /splits\.jsonl:1: ok: expected an integer >= 0, got -8/,
      },
      {
        name: 'predictions turned into errors',
        damage: (f) =>
          editLines(
            f,
            'splits.jsonl',
            editLine(0, (l) => ({ ...l, ok: 0, errors: 4 })),
          ),
        refusal: /splits\.jsonl:1: ok: expected 4 \(the split's lines with a prediction\), got 0/,
      },
      {
        name: 'counts over the inputs',
        damage: (f) =>
          editLines(
            f,
            'splits.jsonl',
            editLine(0, (l) => ({ ...l, ok: 40 })),
          ),
        refusal: /splits\.jsonl:1: ok \+ errors is more than the inputs of the split/,
      },
      {
        name: 'a split of another size',
        damage: (f) =>
          editLines(
            f,
            'splits.jsonl',
            editLine(0, (l) => ({ ...l, inputs: 3, ok: 3, errors: 0 })),
          ),
        refusal: /splits\.jsonl:1: inputs: expected 4 \(the split's size in the job's plan\), got 3/,
      },
    ]);
  });

  it('refuses fake "done" lines, unknown and duplicate split ids', async () => {
    const logged = (await readFile(path.join(killed, 'splits.jsonl'), 'utf8'))
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => (JSON.parse(l) as { splitId: string }).splitId);
    const first = { splitId: logged[0] as string };
    // A split the killed run had not finished.
    const other = ['0', '1', '2', '3'].find((id) => !logged.includes(id)) as string;
    await expectEachRefused([
      {
        name: "another split claimed done over the first one's lines",
        damage: (f) =>
          editLines(f, 'splits.jsonl', (lines) => [
            JSON.stringify({ ...JSON.parse(lines[0] as string), splitId: other }),
            ...lines.slice(1),
          ]),
        refusal: new RegExp(`results\\.jsonl:1: key: ".*" is not an input of split '${other}'`),
      },
      {
        name: 'every split claimed done',
        damage: (f) =>
          editLines(f, 'splits.jsonl', (lines) => [
            ...lines,
            ...['0', '1', '2', '3']
              .filter((id) => !lines.some((l) => (JSON.parse(l) as { splitId: string }).splitId === id))
              .map((splitId) => JSON.stringify({ ...JSON.parse(lines[0] as string), splitId })),
          ]),
        refusal:
          /results\.jsonl(: has \d+ complete lines, but the splits logged up to .*splits\.jsonl:\d+ own \d+|:\d+: key: .* is not an input)/,
      },
      {
        name: 'a split logged twice',
        damage: (f) => editLines(f, 'splits.jsonl', (lines) => [...lines, lines[0] as string]),
        refusal: new RegExp(
          `splits\\.jsonl:\\d+: splitId: split '${first.splitId}' is logged already, at line 1`,
        ),
      },
      {
        name: 'a split the plan does not have',
        damage: (f) =>
          editLines(f, 'splits.jsonl', (lines) => [
            ...lines,
            JSON.stringify({ ...JSON.parse(lines[0] as string), splitId: '9' }),
          ]),
        refusal: /splits\.jsonl:\d+: splitId: '9' is not a split of the job's plan \(4 splits, ids 0 to 3\)/,
      },
      {
        name: 'an unknown key in a split line',
        damage: (f) =>
          editLines(
            f,
            'splits.jsonl',
            editLine(0, (l) => ({ ...l, okay: 1 })),
          ),
        refusal: /splits\.jsonl:1: okay: unknown key; did you mean 'ok'\?/,
      },
    ]);
  });

  it("refuses result lines that are not the logged splits' inputs, each once", async () => {
    await expectEachRefused([
      {
        name: 'a bogus key',
        damage: (f) =>
          editLines(
            f,
            'results.jsonl',
            editLine(0, (l) => ({ ...l, key: 'bogus.jpg' })),
          ),
        refusal: /results\.jsonl:1: key: "bogus\.jpg" is not an input of split '\d'/,
      },
      {
        name: 'a bogus line added in front',
        damage: (f) =>
          editLines(f, 'results.jsonl', (lines) => [
            JSON.stringify({ key: 'bogus.jpg', top: null, error: 'x' }),
            ...lines,
          ]),
        refusal: /results\.jsonl:1: key: "bogus\.jpg" is not an input of split/,
      },
      {
        name: 'a line twice',
        damage: (f) => editLines(f, 'results.jsonl', (lines) => [lines[0] as string, ...lines.slice(0, -1)]),
        refusal: /results\.jsonl:2: key: ".*" is not an input of split '\d' .* or is there twice/,
      },
      {
        name: 'a prototype key',
        damage: (f) =>
          editLines(f, 'results.jsonl', (lines) => [
            (lines[0] as string).replace(/}$/, ',"__proto__":{"polluted":true}}'),
            ...lines.slice(1),
          ]),
        refusal: /results\.jsonl:1: __proto__: the key '__proto__' is refused at any level/,
      },
      {
        name: 'a result line that is not JSON',
        damage: (f) => editLines(f, 'results.jsonl', (lines) => ['{"key": ', ...lines]),
        refusal: /results\.jsonl:1: not valid JSON/,
      },
      {
        name: 'an invocation ended twice',
        damage: (f) =>
          editLines(f, 'invocations.jsonl', (lines) => {
            const end = lines.find((l) => l.includes('"event":"ended"')) as string;
            return [...lines, end];
          }),
        refusal: /invocations\.jsonl:\d+: workerId: '.*' has ended already, on an earlier line/,
      },
    ]);
  });

  it('validates job.spec.json with the schema of a new job', async () => {
    await expectEachRefused([
      {
        name: 'dispatch.type toString',
        damage: (f) => editSpec(f, (v) => (v.spec.dispatch.type = 'toString')),
        refusal: /job\.spec\.json: spec\.dispatch\.type: expected one of 'static', 'dynamic', got 'toString'/,
      },
      {
        name: 'no model',
        damage: (f) => editSpec(f, (v) => delete v.spec.model),
        refusal: /job\.spec\.json: spec\.model: missing: expected an object/,
      },
      {
        name: 'a prototype key in the spec',
        damage: (f) =>
          editSpec(f, (v) =>
            Object.defineProperty(v.spec.backend, '__proto__', { value: { x: 1 }, enumerable: true }),
          ),
        refusal: /job\.spec\.json: spec\.backend\.__proto__: the key '__proto__' is refused at any level/,
      },
      {
        name: 'a storage type naming a prototype member',
        damage: (f) => editSpec(f, (v) => (v.spec.storage = { type: 'constructor' })),
        refusal: /job\.spec\.json: spec\.storage\.type: expected one of 'fs', 's3', got 'constructor'/,
      },
      {
        name: 'a negative input count',
        damage: (f) => editSpec(f, (v) => (v.inputs.count = -1)),
        refusal: /job\.spec\.json: inputs\.count: expected an integer >= 0, got -1/,
      },
      {
        name: 'not JSON',
        damage: (f) => writeFile(path.join(f, 'job.spec.json'), '{"version": 1,'),
        refusal: /job\.spec\.json: not valid JSON/,
      },
    ]);
  });
});
