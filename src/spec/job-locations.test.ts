import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkableLocations, s3PlaceIssues } from './job-locations.js';

const cwd = '/work/job';

describe('checkableLocations', () => {
  it('takes the local places, resolved from the working folder', () => {
    const options = {
      inputs: 'photos',
      model: 'm/model.onnx',
      labels: '/abs/labels.txt',
      out: 'out',
      workers: 0,
    };
    expect(
      checkableLocations(options, [{ path: 'workers', message: 'expected an integer >= 1' }], cwd),
    ).toEqual({
      inputs: path.resolve(cwd, 'photos'),
      model: path.resolve(cwd, 'm/model.onnx'),
      labels: '/abs/labels.txt',
      out: path.resolve(cwd, 'out'),
    });
  });

  it('keeps a model name that is not a path as it is', () => {
    expect(checkableLocations({ model: 'tiyn' }, [], cwd)).toEqual({ model: 'tiyn' });
  });

  it('leaves out a place whose own setting has an issue, a URI, a value that is not a string', () => {
    const options = { inputs: 's3://bucket/photos', model: 42, labels: 'labels.txt', out: 'http://x/y' };
    const issues = [{ path: 'labels', message: 'class names are for classify tasks; this task is embed' }];
    expect(checkableLocations(options, issues, cwd)).toEqual({});
  });

  it('leaves out the inputs when a storage setting says how to read them', () => {
    expect(
      checkableLocations({ inputs: 'keys.txt', storage: { type: 'fs', root: '/data' } }, [], cwd),
    ).toEqual({});
  });

  it('reads own keys only, and nothing of a value that is not an object', () => {
    expect(checkableLocations(Object.create({ inputs: 'inherited' }) as object, [], cwd)).toEqual({});
    expect(checkableLocations(null, [], cwd)).toEqual({});
    expect(checkableLocations('inputs', [], cwd)).toEqual({});
  });
});

describe('s3PlaceIssues', () => {
  it('names each s3:// input, model or labels file whose bucket name is not valid, under its setting', () => {
    expect(
      s3PlaceIssues({
        inputs: 's3://Bad_Bucket/photos/',
        model: 'S3://ab/model.onnx',
        labels: 's3:///labels.txt',
        out: 's3://Out_Bucket/x',
      }),
    ).toEqual([
      { path: 'inputs', message: expect.stringMatching(/'Bad_Bucket' is not a valid S3 bucket name/) },
      { path: 'model', message: expect.stringMatching(/'ab' is not a valid S3 bucket name/) },
      { path: 'labels', message: expect.stringMatching(/names no bucket: write it as s3:\/\/bucket\/key/) },
    ]);
  });

  it('passes valid buckets, local paths, other values and inherited keys', () => {
    expect(s3PlaceIssues({ inputs: 's3://my-data/photos/', model: 'tiny', labels: 'labels.txt' })).toEqual(
      [],
    );
    expect(s3PlaceIssues({ inputs: 42, model: ['s3://ab/m.onnx'] })).toEqual([]);
    expect(s3PlaceIssues(Object.create({ inputs: 's3://ab/x' }) as Record<string, unknown>)).toEqual([]);
  });
});
