/**
 * What every `obifaas` process loads before it parses its arguments: the modules `main.ts`
 * reaches through static imports (type-only imports and `await import()` left out). Command
 * modules keep their heavy imports inside their actions; this keeps the SDKs out of that graph,
 * so a refusal or `--help` does not pay for them.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { staticImports } from '../../test/support/static-imports.js';

describe('the CLI at startup', () => {
  const { packages } = staticImports(path.join(import.meta.dirname, 'main.ts'));

  it('reads its own modules and commander', () => {
    expect(packages.has('commander')).toBe(true);
  });

  it('loads no AWS SDK, gRPC or ONNX Runtime before a command runs', () => {
    const heavy = [...packages].filter((p) =>
      /^(@aws-sdk\/|@smithy\/|@grpc\/|onnxruntime|sharp$|protobufjs)/.test(p),
    );
    expect(heavy).toEqual([]);
  });
});
