import { describe, expect, it } from 'vitest';
import resnet50 from '../../spaces/resnet50.json' with { type: 'json' };
import { Random } from '../core/random.js';
import {
  activeValues,
  checkParams,
  enumerateSpace,
  paramsKey,
  samplePrior,
  spaceSize,
  walkSpace,
} from './space-points.js';
import { parseSpace, type SearchSpace } from './space.js';
import { WORKER_SPACE_PARAMETERS } from './worker-settings.js';
import { specIssueLines } from '../../test/support/spec-error.js';

const issuesOf = (json: unknown, knownParameters?: readonly string[]): string[] =>
  specIssueLines(() => parseSpace(json, knownParameters ? { knownParameters } : {}));

describe('parseSpace', () => {
  it("reads the reference's ResNet50 space", () => {
    const space = parseSpace(resnet50, {
      knownParameters: WORKER_SPACE_PARAMETERS,
      source: 'spaces/resnet50.json',
    });
    const memory = space.parameters.memory!;
    expect(memory.type === 'categorical' && memory.values).toEqual([1769, 3008, 7076, 10240]);
    const branches = memory.type === 'categorical' ? memory.branches! : {};
    expect(branches['10240']!.batchSize).toEqual({
      type: 'categorical',
      values: [8, 16, 32, 64, 128, 256, 512],
    });
    expect(branches['7076']!.batchSize).toEqual({ type: 'categorical', values: [8, 16, 32, 64, 128] });
    expect(branches['1769']!.replicas).toEqual({ type: 'int', min: 1, max: 2 });
    expect(branches['3008']!.interOpThreads).toEqual({ type: 'int', min: 1, max: 4 });
    expect(branches['7076']!.intraOpThreads).toEqual({ type: 'int', min: 1, max: 8 });
    expect(branches['10240']!.replicas).toEqual({ type: 'int', min: 1, max: 12 });
  });

  it('names the JSON path of every problem at once', () => {
    expect(
      issuesOf({
        parameters: {
          a: { type: 'categorical', values: [] },
          b: { type: 'int', min: 5, max: 1 },
          c: { type: 'float', min: 2, max: 2 },
          d: { type: 'normal', min: 0, max: 1 },
          e: { type: 'int', min: 1.5, max: 3, mni: 1 },
          f: { type: 'float', min: 0, max: 1, log: true },
          g: {
            type: 'categorical',
            values: [1, 2],
            branches: { '3': { h: { type: 'int', min: 1, max: 2 } } },
          },
        },
        extra: 1,
      }),
    ).toEqual([
      'parameters.a.values: expected a non-empty list of values, got an empty list',
      'parameters.b: min (5) > max (1)',
      'parameters.c: empty range: min = max = 2',
      "parameters.d.type: expected one of 'categorical', 'int', 'float', got 'normal'",
      'parameters.e.min: expected an integer, got 1.5',
      "parameters.e.mni: unknown key; did you mean 'min'?",
      'parameters.f.min: a log scale needs min > 0, got 0',
      'parameters.g.branches.3: not one of the values (1, 2)',
      'extra: unknown key; expected one of: $schema, $comment, name, description, parameters',
    ]);
  });

  it('reports unknown parameter names, including inside branches', () => {
    expect(
      issuesOf(
        {
          parameters: {
            memory: {
              type: 'categorical',
              values: [1769],
              branches: { '1769': { batchsize: { type: 'int', min: 1, max: 2 } } },
            },
            threads: { type: 'int', min: 1, max: 2 },
          },
        },
        WORKER_SPACE_PARAMETERS,
      ),
    ).toEqual([
      "parameters.memory.branches.1769.batchsize: unknown parameter 'batchsize'; did you mean 'batchSize'?",
      `parameters.threads: unknown parameter 'threads'; expected one of ${WORKER_SPACE_PARAMETERS.join(', ')}`,
    ]);
  });

  it('refuses a name that two active parameters would share', () => {
    const int = { type: 'int', min: 1, max: 2 };
    expect(
      issuesOf({
        parameters: {
          k: { type: 'categorical', values: ['x'], branches: { x: { k2: int, j: int } } },
          m: { type: 'categorical', values: ['y'], branches: { y: { k2: int } } },
          j: int,
        },
      }),
    ).toEqual([
      "parameters.k.branches.x.j: 'j' is already defined on this path",
      "parameters.m: its branches define 'k2', as the branches of 'k' do",
    ]);
  });

  it('refuses empty spaces and non-objects', () => {
    expect(issuesOf({ parameters: {} })).toEqual(['parameters: no parameters: nothing to optimize']);
    expect(issuesOf([])).toEqual(['(top level): expected an object, got an empty list']);
    expect(issuesOf({})).toEqual(['parameters: missing: expected an object']);
    expect(issuesOf({ parameters: { a: { type: 'int', min: 1, max: 2, constructor: 1 } } })).toEqual([
      "parameters.a.constructor: the key 'constructor' is refused at any level",
    ]);
  });
});

describe('walking and sampling a space', () => {
  const space: SearchSpace = parseSpace(resnet50);

  it('samples only valid points, with the parameters of the chosen memory', () => {
    const random = new Random(1);
    const memories = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const params = walkSpace(space, ({ parameter }) => samplePrior(parameter, random));
      expect(checkParams(space, params)).toEqual([]);
      memories.add(params.memory as number);
      if (params.memory === 1769) expect(params.replicas as number).toBeLessThanOrEqual(2);
    }
    expect([...memories].sort((a, b) => a - b)).toEqual([1769, 3008, 7076, 10240]);
    const ids = [
      ...activeValues(space, {
        memory: 3008,
        batchSize: 8,
        interOpThreads: 1,
        intraOpThreads: 1,
        replicas: 4,
      }).keys(),
    ];
    expect(ids).toEqual([
      'memory',
      'memory=3008/batchSize',
      'memory=3008/interOpThreads',
      'memory=3008/intraOpThreads',
      'memory=3008/replicas',
    ]);
  });

  it('draws log-scale integers across their whole range', () => {
    const random = new Random(2);
    const draws = Array.from(
      { length: 2000 },
      () => samplePrior({ type: 'int', min: 1, max: 1000, log: true }, random) as number,
    );
    expect(Math.min(...draws)).toBe(1);
    expect(Math.max(...draws)).toBeGreaterThan(800);
    expect(draws.filter((d) => d <= 31).length / draws.length).toBeGreaterThan(0.4);
  });

  it('checks points against the space', () => {
    expect(
      checkParams(space, {
        memory: 1769,
        batchSize: 128,
        interOpThreads: 1,
        intraOpThreads: 3,
        replicas: 1,
        topK: 1,
      }),
    ).toEqual([
      { path: 'batchSize', message: '128 is not one of [8,16,32,64]' },
      { path: 'intraOpThreads', message: '3 is not in [1, 2]' },
      { path: 'topK', message: 'not a parameter of this space (or not active under these choices)' },
    ]);
    expect(checkParams(space, { memory: 999 })).toEqual([
      { path: 'memory', message: '999 is not one of [1769,3008,7076,10240]' },
    ]);
  });
});

describe('spaceSize and enumerateSpace', () => {
  const space = parseSpace({
    parameters: {
      memory: {
        type: 'categorical',
        values: [1024, 2048],
        branches: { '2048': { replicas: { type: 'int', min: 1, max: 3 } } },
      },
      batchSize: { type: 'categorical', values: [8, 16] },
    },
  });

  it('counts the points under each branch, and lists each once', () => {
    expect(spaceSize(space)).toBe((1 + 3) * 2);
    const points = enumerateSpace(space, 100)!;
    expect(points).toHaveLength(8);
    expect(new Set(points.map(paramsKey)).size).toBe(8);
    for (const p of points) expect(checkParams(space, p)).toEqual([]);
    expect(enumerateSpace(space, 7)).toBeNull();
  });

  it('a float makes the space infinite', () => {
    const continuous = parseSpace({ parameters: { x: { type: 'float', min: 0, max: 1 } } });
    expect(spaceSize(continuous)).toBe(Number.POSITIVE_INFINITY);
    expect(enumerateSpace(continuous, 1e9)).toBeNull();
  });

  it('keys a point whatever the order of its names', () => {
    expect(paramsKey({ a: 1, b: 'x' })).toBe(paramsKey({ b: 'x', a: 1 }));
    expect(paramsKey({ a: 1 })).not.toBe(paramsKey({ a: '1' }));
  });
});
