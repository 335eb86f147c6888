import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { describeLocation, isS3Location, parseLocation } from './uri.js';

describe('parseLocation', () => {
  it('parses s3://bucket/prefix/key into an S3 ref and the key', () => {
    expect(parseLocation('s3://my-bucket/data/images/manifest.txt')).toEqual({
      ref: { type: 's3', bucket: 'my-bucket' },
      key: 'data/images/manifest.txt',
    });
  });

  it('keeps a trailing slash (a prefix) and accepts a bare bucket', () => {
    expect(parseLocation('s3://bucket.example/images/').key).toBe('images/');
    expect(parseLocation('s3://bucket1').key).toBe('');
    expect(parseLocation('s3://bucket1/').key).toBe('');
  });

  it('applies S3 connection options to the ref', () => {
    const { ref } = parseLocation('s3://bucket/k', {
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:4569',
      forcePathStyle: true,
    });
    expect(ref).toEqual({
      type: 's3',
      bucket: 'bucket',
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:4569',
      forcePathStyle: true,
    });
  });

  it('refuses s3:// without a bucket, with a message that shows the expected form', () => {
    for (const bad of ['s3://', 's3:///key']) {
      expect(() => parseLocation(bad)).toThrow(UserError);
      expect(() => parseLocation(bad)).toThrow(/names no bucket.*s3:\/\/bucket\/key/);
    }
  });

  it('refuses invalid bucket names', () => {
    for (const bad of ['s3://My_Bucket/x', 's3://ab/x', 's3://-bucket/x', 's3://a..b/x']) {
      expect(() => parseLocation(bad), bad).toThrow(/not a valid S3 bucket name/);
    }
  });

  it('refuses credentials before the bucket without echoing them', () => {
    for (const bad of ['s3://AKIAEXAMPLE:hunter2secret@photos/x', 's3://hunter2secret@photos']) {
      const err = (() => {
        try {
          parseLocation(bad);
        } catch (e) {
          return e as Error;
        }
        throw new Error(`${bad} was accepted`);
      })();
      expect(err).toBeInstanceOf(UserError);
      expect(err.message).toMatch(/s3:\/\/\*\*\*@photos.* holds credentials/);
      expect(err.message).not.toMatch(/hunter2secret|AKIAEXAMPLE/);
    }
  });

  it('treats anything else as a local path, resolved to an absolute folder and a name', () => {
    expect(parseLocation('/data/set/manifest.txt')).toEqual({
      ref: { type: 'fs', root: '/data/set' },
      key: 'manifest.txt',
    });
    expect(parseLocation('rel/dir/')).toEqual({
      ref: { type: 'fs', root: path.resolve('rel') },
      key: 'dir',
    });
    expect(parseLocation('file:///tmp/x.jpg')).toEqual({ ref: { type: 'fs', root: '/tmp' }, key: 'x.jpg' });
    expect(parseLocation('S3bucket-folder/x').ref.type).toBe('fs');
  });

  it('refuses other URL schemes and empty locations', () => {
    expect(() => parseLocation('gs://bucket/key')).toThrow(/unsupported location 'gs:\/\/bucket\/key'/);
    expect(() => parseLocation('   ')).toThrow(UserError);
  });

  it('recognises and describes locations', () => {
    expect(isS3Location('S3://b/k')).toBe(true);
    expect(isS3Location('./s3/k')).toBe(false);
    expect(describeLocation(parseLocation('s3://bucket/a/b'))).toBe('s3://bucket/a/b');
    expect(describeLocation(parseLocation('/x/y'))).toBe('/x/y');
  });
});
