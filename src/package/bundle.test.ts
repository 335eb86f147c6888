import { describe, expect, it } from 'vitest';
import { loadedAtInit, type BundledFile } from './bundle.js';

const file = (distPath: string, text: string): BundledFile => ({ distPath, bytes: Buffer.from(text) });

describe('loadedAtInit', () => {
  it("follows the entry's static imports of its chunks, transitively, and leaves the chunks only import() loads", () => {
    const files = [
      file('worker/entry/lambda.js', 'import{a}from"./lambda-chunk-A.js";import"./lambda-chunk-B.js";'),
      file('worker/entry/lambda-chunk-A.js', 'export*from"./lambda-chunk-C.js";const a=1;'),
      file('worker/entry/lambda-chunk-B.js', 'const s=await import("./lambda-chunk-D.js");'),
      file('worker/entry/lambda-chunk-C.js', 'import{x}from"./lambda-chunk-A.js";'),
      file('worker/entry/lambda-chunk-D.js', 'const d=1;'),
      file('worker/inference-thread.js', 'const t=1;'),
    ];
    expect(
      loadedAtInit(files, 'worker/entry/lambda.js')
        .map((f) => f.distPath)
        .sort(),
    ).toEqual([
      'worker/entry/lambda-chunk-A.js',
      'worker/entry/lambda-chunk-B.js',
      'worker/entry/lambda-chunk-C.js',
      'worker/entry/lambda.js',
    ]);
  });
});
