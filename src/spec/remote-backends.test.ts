import { describe, expect, it } from 'vitest';
import { compileJobSpec } from './compile.js';
import { specIssueLines } from '../../test/support/spec-error.js';

const context = { cores: 4, now: new Date('2024-05-01T00:00:00Z'), cwd: '/work' };
const compile = (backend: Record<string, unknown>) =>
  compileJobSpec({ inputs: 'data/manifest.txt', model: 'model.onnx', backend }, context);

describe('lambda backend options', () => {
  it('has defaults: prefix, 3008 MB, 100 at once, 15.5 minutes', () => {
    expect(compile({ type: 'lambda' }).backend).toEqual({
      type: 'lambda',
      functionPrefix: 'obifaas-worker',
      memoryMb: 3008,
      maxConcurrency: 100,
      timeoutMs: 930_000,
    });
  });

  it('takes region, endpoint, prefix, memory, timeout and retry settings', () => {
    const backend = compile({
      type: 'lambda',
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:9001',
      functionPrefix: 'team-a',
      memoryMb: 1769,
      maxConcurrency: 500,
      timeout: '5m',
      retry: { maxAttempts: 4, baseDelay: '50ms', maxDelay: '2s' },
      deploy: { role: 'arn:aws:iam::123456789012:role/r', memorySizes: [1769, 3008] },
    }).backend;
    expect(backend).toEqual({
      type: 'lambda',
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:9001',
      functionPrefix: 'team-a',
      memoryMb: 1769,
      maxConcurrency: 500,
      timeoutMs: 300_000,
      retry: { maxAttempts: 4, baseDelayMs: 50, maxDelayMs: 2_000 },
    });
  });

  it('names every bad field', () => {
    expect(
      specIssueLines(() =>
        compile({
          type: 'lambda',
          memoryMb: 64,
          functionPrefix: 'a b',
          credentials: 'x',
          retry: { baseDelay: 'soon' },
        }),
      ),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^backend\.memoryMb: /),
        expect.stringMatching(/^backend\.functionPrefix: expected 1-58 letters/),
        'backend.credentials: unknown key; expected one of: type, region, endpoint, functionPrefix, functionName, memoryMb, maxConcurrency, timeout, retry, deploy',
      ]),
    );
    expect(specIssueLines(() => compile({ type: 'lambda', retry: { baseDelay: 'soon' } }))).toEqual([
      expect.stringMatching(/^backend\.retry\.baseDelay: expected a duration/),
    ]);
  });

  it('checks the region as the S3 region is checked', () => {
    expect(specIssueLines(() => compile({ type: 'lambda', region: 'EU West 1' }))).toEqual([
      "backend.region: expected a region name like eu-west-1 (lowercase words joined by hyphens), got 'EU West 1'",
    ]);
    expect(compile({ type: 'lambda', region: 'us-gov-west-1' }).backend).toMatchObject({
      region: 'us-gov-west-1',
    });
  });
});

describe('http backend options', () => {
  it('splits comma-separated URLs and sizes concurrency from them', () => {
    expect(compile({ type: 'http', url: 'http://a:8080, http://b:8080/fn' }).backend).toEqual({
      type: 'http',
      urls: ['http://a:8080', 'http://b:8080/fn'],
      perUrlConcurrency: 1,
      maxConcurrency: 2,
      memoryMb: 3008,
      timeoutMs: 900_000,
    });
    const listed = compile({
      type: 'http',
      url: ['http://a', 'http://b'],
      perUrlConcurrency: 4,
      maxConcurrency: 100,
    });
    expect(listed.backend).toMatchObject({
      urls: ['http://a', 'http://b'],
      perUrlConcurrency: 4,
      maxConcurrency: 8,
    });
  });

  it("takes the functions' vCPUs (a number > 0), and leaves them to the default otherwise", () => {
    expect(compile({ type: 'http', url: 'http://a', vcpus: 4 }).backend).toMatchObject({ vcpus: 4 });
    expect(compile({ type: 'http', url: 'http://a', vcpus: 0.5 }).backend).toMatchObject({ vcpus: 0.5 });
    expect(compile({ type: 'http', url: 'http://a' }).backend).not.toHaveProperty('vcpus');
    expect(specIssueLines(() => compile({ type: 'http', url: 'http://a', vcpus: 0 }))).toEqual([
      expect.stringMatching(/^backend\.vcpus: /),
    ]);
    expect(specIssueLines(() => compile({ type: 'lambda', vcpus: 2 }))).toEqual([
      expect.stringMatching(/^backend\.vcpus: unknown key/),
    ]);
  });

  it('needs a URL, an http(s) one, and takes no token', () => {
    expect(specIssueLines(() => compile({ type: 'http' }))).toEqual([
      'backend.url: missing: the http backend needs its function URLs (--url URL[,URL...], or backend.url in a config file)',
    ]);
    expect(specIssueLines(() => compile({ type: 'http', url: 3 }))).toEqual([
      'backend.url: expected a string or a list of strings, got 3',
    ]);
    expect(specIssueLines(() => compile({ type: 'http', url: 'ftp://x,not a url' }))).toEqual([
      "backend.url: 'ftp://x' is not an http:// or https:// URL",
      "backend.url: 'not a url' is not an http:// or https:// URL",
    ]);
    expect(specIssueLines(() => compile({ type: 'http', url: 'http://a', token: 'secret' }))).toEqual([
      "backend.token: not a setting: the functions' token is a secret, read only from the environment variable OBIFAAS_FUNCTION_TOKEN (never from a file, a flag or job.json)",
    ]);
  });
});
