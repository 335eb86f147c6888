import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelError } from '../errors.js';
import { externalTensorsOfBytes } from '../models/onnx-external-data.js';
import { AttributeType, encodeModel } from '../models/onnx-proto.js';
import {
  externalDataModel,
  externalTensor,
  hostileModel,
  node,
} from '../../test/adversarial/support/hostile-models.js';
import { UNREAD_MODEL_BYTES } from '../../test/support/unread-model.js';
import { checkExternalData, UNREADABLE_AT_THE_JOB } from './external-data.js';

let dir: string;
let models: string;
let canaryFile: string;

beforeAll(async () => {
  dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-external-')));
  models = path.join(dir, 'models');
  await fs.mkdir(path.join(models, 'weights'), { recursive: true });
  canaryFile = path.join(dir, 'canary.txt');
  await fs.writeFile(canaryFile, 'CANARY-external-data\n');
  await fs.writeFile(path.join(models, 'weights', 'w.bin'), Buffer.alloc(64, 7));
  await fs.symlink(canaryFile, path.join(models, 'out.bin'));
  await fs.symlink(path.join(models, 'weights', 'w.bin'), path.join(models, 'in.bin'));
  execFileSync('mkfifo', [path.join(models, 'pipe.bin')]);
});
afterAll(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

async function model(name: string, bytes: Uint8Array): Promise<string> {
  const file = path.join(models, name);
  await fs.writeFile(file, bytes);
  return file;
}

const refusal = async (file: string, rules = {}): Promise<string> => {
  const err: unknown = await checkExternalData(file, rules).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelError);
  return (err as Error).message;
};

describe('checkExternalData', () => {
  it('passes a model without external data, and one in ONNX Runtime format', async () => {
    expect(await checkExternalData(await model('plain.onnx', hostileModel()))).toEqual([]);
    expect(await checkExternalData(await model('stub.ort', UNREAD_MODEL_BYTES))).toEqual([]);
  });

  it('passes regular files in the model folder, and a link that stays in it', async () => {
    const file = await model('ok.onnx', externalDataModel('weights/w.bin', 16, 8));
    expect(await checkExternalData(file)).toEqual([
      { file: path.join(models, 'weights', 'w.bin'), bytes: 16 },
    ]);
    const linked = await model('linked.onnx', externalDataModel('in.bin', 64));
    expect(await checkExternalData(linked)).toEqual([
      { file: path.join(models, 'weights', 'w.bin'), bytes: 64 },
    ]);
  });

  it.each([
    ['an absolute path', '/etc/hostname', /is an absolute path/],
    ['a device', '/dev/zero', /is an absolute path/],
    ['a way out with ..', '../canary.txt', /leads out of the model's folder \('\.\.'\)/],
    ['.. inside the folder', 'weights/../weights/w.bin', /leads out of the model's folder/],
    ['a link out of the folder', 'out.bin', /is a symbolic link leading out of the model's folder/],
    ['a FIFO', 'pipe.bin', /is a FIFO/],
    ['a folder', 'weights', /is a folder/],
    ['a missing file', 'nope.bin', /does not exist in the model's folder/],
    ['the memory address tag', '*/_ORT_MEM_ADDR_/*', /does not exist/],
  ])('refuses %s, naming the tensor and the location', async (_what, location, why) => {
    const message = await refusal(await model('bad.onnx', externalDataModel(location, 8)));
    expect(message).toContain(path.join(models, 'bad.onnx'));
    expect(message).toContain(
      `tensor 'secret' (initializer in the graph): external data location ${JSON.stringify(location)}`,
    );
    expect(message).toMatch(why);
    expect(message).not.toContain('CANARY');
  });

  it('refuses an offset or length past the end of the file, or not a number', async () => {
    expect(await refusal(await model('long.onnx', externalDataModel('weights/w.bin', 1e12)))).toMatch(
      /offset 0 and length 1000000000000 run past the end of the file \(64 bytes\)/,
    );
    expect(await refusal(await model('far.onnx', externalDataModel('weights/w.bin', 8, 60)))).toMatch(
      /offset 60 and length 8 run past the end/,
    );
    const farNoLength = hostileModel({
      initializers: [
        {
          ...externalTensor('w', 'weights/w.bin', 8),
          externalData: [
            { key: 'location', value: 'weights/w.bin' },
            { key: 'offset', value: '1000' },
          ],
        },
      ],
    });
    expect(await refusal(await model('far-no-length.onnx', farNoLength))).toMatch(
      /offset 1000 runs past the end of the file \(64 bytes\)/,
    );
    const odd = hostileModel({
      initializers: [
        {
          ...externalTensor('w', 'weights/w.bin', 8),
          externalData: [
            { key: 'location', value: 'weights/w.bin' },
            { key: 'length', value: '-1' },
          ],
        },
      ],
    });
    expect(await refusal(await model('odd.onnx', odd))).toMatch(
      /tensor 'w' .*: length "-1" is not a whole number of bytes/,
    );
  });

  it('refuses external data the deployment does not let the function read', async () => {
    const file = await model('denied.onnx', externalDataModel('weights/w.bin', 8));
    const message = await refusal(file, {
      refusal: async () => 'is outside the paths this function may read',
    });
    expect(message).toMatch(
      /tensor 'secret' .*"weights\/w\.bin" is outside the paths this function may read/,
    );
  });

  it('refuses any external data after a remote model', async () => {
    const file = await model('remote.onnx', externalDataModel('weights/w.bin', 8));
    expect(await refusal(file, { fetchedFrom: 's3://models/m.onnx' })).toMatch(
      /^model s3:\/\/models\/m\.onnx: tensor 'secret' .*"weights\/w\.bin": external data cannot follow a model fetched from a remote store/,
    );
  });

  it('refuses a model it cannot read (its files are unknown), as not valid ONNX', async () => {
    const file = await model('text.onnx', new TextEncoder().encode('not a model at all'));
    // One `not ... ONNX model`, its reason in one pair of brackets.
    expect(await refusal(file)).toMatch(
      /^cannot load model .*text\.onnx: not a valid ONNX model \([^()]+\)$/,
    );
    expect(await refusal(file, { unreadable: UNREADABLE_AT_THE_JOB })).toMatch(
      /^model .*text\.onnx: not an ONNX model \([^()]+\)$/,
    );
  });

  it('lists every problem at once', async () => {
    const both = hostileModel({
      initializers: [externalTensor('a', '/etc/hostname', 4), externalTensor('b', '../x', 4)],
    });
    const message = await refusal(await model('both.onnx', both));
    expect(message).toMatch(/tensor 'a' .*absolute path.*; tensor 'b' .*'\.\.'/);
  });
});

describe('externalTensorsOfBytes', () => {
  it('finds external tensors in subgraphs, node attributes and local functions', () => {
    const body = {
      name: 'body',
      node: [node('Identity', ['inner'], ['out'])],
      initializer: [externalTensor('inner', 'sub.bin', 4)],
      input: [],
      output: [],
    };
    const bytes = encodeModel({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 13 }],
      producerName: 't',
      producerVersion: '0',
      graph: {
        name: 'g',
        node: [
          {
            ...node('Constant', [], ['c']),
            name: 'const',
            attribute: [{ name: 'value', type: AttributeType.TENSOR, t: externalTensor('', 'const.bin', 4) }],
          },
          {
            ...node('If', ['cond'], ['y']),
            name: 'branch',
            attribute: [{ name: 'then_branch', type: AttributeType.GRAPH, g: body }],
          },
        ],
        initializer: [],
        input: [],
        output: [],
      },
    });
    const found = externalTensorsOfBytes(bytes).map((t) => [t.tensor, t.where, t.locations]);
    expect(found).toEqual([
      ['', "node 'const' attribute 'value'", ['const.bin']],
      ['inner', "initializer in the subgraph of node 'branch' attribute 'then_branch'", ['sub.bin']],
    ]);
  });
});
