import { describe, expect, it } from 'vitest';
import resnet50 from '../../spaces/resnet50.json' with { type: 'json' };
import { parseSpace } from './space.js';
import {
  checkWorkerSpace,
  parseWorkerConfig,
  settingsFromParams,
  workerConfigOptions,
  WORKER_SPACE_PARAMETERS,
} from './worker-settings.js';
import { specIssueLines } from '../../test/support/spec-error.js';

describe('parseWorkerConfig', () => {
  it('reads the settings of best-worker.json and ignores its information keys', () => {
    const settings = parseWorkerConfig(
      {
        memory: 3008,
        batchSize: 32,
        interOpThreads: 1,
        intraOpThreads: 2,
        replicas: 3,
        objective: { name: 'throughput', value: 12 },
        trial: 4,
        trials: 20,
        space: 'resnet50',
        backend: 'local',
        precision: 'int8',
        model: '/models/resnet50-int8.onnx',
        spread: { repeats: 3, median: 12, min: 11, max: 13 },
        note: 'x',
      },
      'best-worker.json',
    );
    expect(settings).toEqual({
      memory: 3008,
      batchSize: 32,
      interOpThreads: 1,
      intraOpThreads: 2,
      replicas: 3,
    });
  });

  it('names every bad or unknown key, with a suggestion for a typo', () => {
    expect(
      specIssueLines(() =>
        parseWorkerConfig(
          { memory: 64, batchsize: 8, replicas: 0, intraOpThreads: 1.5, interOpThreads: '2' },
          'w.json',
        ),
      ),
    ).toEqual([
      'memory: expected an integer from 128 to 10240, got 64',
      "interOpThreads: expected an integer from 1 to 256, got '2'",
      'intraOpThreads: expected an integer from 1 to 256, got 1.5',
      'replicas: expected an integer from 1 to 64, got 0',
      "batchsize: unknown key; did you mean 'batchSize'?",
    ]);
    expect(() => parseWorkerConfig([1], 'w.json')).toThrow(
      'invalid worker config w.json: (top level): expected an object, got a list',
    );
    expect(
      specIssueLines(() =>
        parseWorkerConfig(JSON.parse('{"memory": 2048, "__proto__": {"batchSize": 8}}'), 'w.json'),
      ),
    ).toEqual(["__proto__: the key '__proto__' is refused at any level"]);
    expect(() => parseWorkerConfig({ trial: 3 }, 'w.json')).toThrow(/no settings: expected some of memory/);
  });

  it('maps settings onto the job options of a config file', () => {
    expect(
      workerConfigOptions({
        memory: 2048,
        batchSize: 16,
        replicas: 2,
        loadConcurrency: 8,
        preprocessConcurrency: 3,
      }),
    ).toEqual({
      backend: { memoryMb: 2048 },
      pipeline: {
        predict: { batchSize: 16, replicas: 2 },
        load: { concurrency: 8 },
        preprocess: { concurrency: 3 },
      },
    });
    expect(workerConfigOptions({ intraOpThreads: 4 })).toEqual({
      pipeline: { predict: { intraOpThreads: 4 } },
    });
  });

  it('reads the settings of a trial, only those it chose', () => {
    expect(settingsFromParams({ memory: 1769, batchSize: 8, replicas: 2 })).toEqual({
      memory: 1769,
      batchSize: 8,
      replicas: 2,
    });
  });
});

describe('checkWorkerSpace', () => {
  const parse = (json: unknown) => parseSpace(json, { knownParameters: WORKER_SPACE_PARAMETERS });

  it("accepts the reference's ResNet50 space", () => {
    expect(checkWorkerSpace(parse(resnet50))).toEqual([]);
  });

  it('names values of the wrong kind, also inside branches, and leaves upper limits to the function', () => {
    const space = parse({
      parameters: {
        memory: {
          type: 'categorical',
          values: [64, 2048],
          branches: { '2048': { batchSize: { type: 'categorical', values: [8, 'big'] } } },
        },
        intraOpThreads: { type: 'float', min: 1, max: 4 },
        replicas: { type: 'int', min: 0, max: 100 },
      },
    });
    expect(checkWorkerSpace(space).map((i) => `${i.path}: ${i.message}`)).toEqual([
      'parameters.memory.values[0]: expected an integer from 128 to 10240, got 64',
      "parameters.memory.branches.2048.batchSize.values[1]: expected an integer >= 1, got 'big'",
      "parameters.intraOpThreads.type: 'intraOpThreads' takes integers: use int or categorical",
      'parameters.replicas.min: expected an integer >= 1, got 0',
    ]);
  });
});
