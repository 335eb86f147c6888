/**
 * What a function process loads before its first payload: the modules each runtime entry
 * (local child process, HTTP server, Lambda handler) reaches through static imports. Every job
 * needs the payload schema (zod); the image decoder (sharp) loads once a payload's model has
 * started loading in its inference threads (`image-decoder.ts`), so the two overlap; ONNX
 * Runtime loads in the inference threads; the dispatcher client (gRPC, protobufjs) only a
 * dynamic payload needs, and the S3 SDK only a job that reads S3: they load when such a payload
 * arrives, so a static job on local files never pays for them. Zod is imported as a namespace
 * (`import * as z`), so that the Lambda package's bundle keeps only the parts the schemas use.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { staticImports } from '../../test/support/static-imports.js';

const ENTRIES = ['entry/child.ts', 'entry/http-server.ts', 'entry/lambda.ts'];

/** Packages only some payloads need, and the image decoder, which loads beside the model. */
const LAZY_PACKAGES = /^(@grpc\/|protobufjs|@aws-sdk\/|@smithy\/|hyparquet|sharp$|onnxruntime-node$)/;

/** Our modules only some payloads need: the dispatcher's client and wire format, the S3 store. */
const LAZY_MODULES = [/\/rpc\/dispatcher-client\.ts$/, /\/rpc\/wire\.ts$/, /\/storage\/s3\//];

/** A value import from zod: `import <what> from 'zod'` (type-only imports leave no code). */
const ZOD_IMPORT = /^import\s+(?!type\b)([^;]*?)\s+from\s+'zod(?:\/[\w-]+)?';/gm;

/** How each module reached from the entry imports zod (`relative path: clause`), namespaces left out. */
function zodImportsOtherThanNamespace(modules: Iterable<string>, root: string): string[] {
  const found: string[] = [];
  for (const file of modules)
    for (const [, clause] of readFileSync(file, 'utf8').matchAll(ZOD_IMPORT))
      if (!/^\*\s+as\s+\w+$/.test(clause ?? '')) found.push(`${path.relative(root, file)}: ${clause}`);
  return found;
}

describe.each(ENTRIES)('the function at startup (%s)', (entry) => {
  const { modules, packages } = staticImports(path.join(import.meta.dirname, entry));
  const ours = [...modules].map((m) => path.relative(path.dirname(import.meta.dirname), m));

  it('reaches the handler, the payload schema and the module that loads the image decoder', () => {
    expect(ours).toContain(path.join('worker', 'handler.ts'));
    expect(ours).toContain(path.join('worker', 'dynamic.ts'));
    expect(ours).toContain(path.join('worker', 'image-decoder.ts'));
    expect(packages.has('zod')).toBe(true);
  });

  it('loads no image decoder, ONNX Runtime, gRPC, protobufjs, AWS SDK or Parquet writer before a payload needs them', () => {
    expect([...packages].filter((p) => LAZY_PACKAGES.test(p))).toEqual([]);
  });

  it('loads no dispatcher client or S3 store module before a payload needs them', () => {
    expect(ours.filter((m) => LAZY_MODULES.some((re) => re.test(`/${m}`)))).toEqual([]);
  });

  it("imports zod only as a namespace, never its 'z' object, which would bundle all of zod", () => {
    expect(zodImportsOtherThanNamespace(modules, path.dirname(import.meta.dirname))).toEqual([]);
  });
});

describe('the check on how a module imports zod', () => {
  it("finds an import of zod's 'z' object or default export, and passes a namespace or type-only import", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'zod-import-'));
    try {
      const write = (name: string, text: string): string => {
        writeFileSync(path.join(dir, name), text);
        return path.join(dir, name);
      };
      const files = [
        write('object.ts', "import { z } from 'zod';\n"),
        write('default.ts', "import z from 'zod/mini';\n"),
        write('namespace.ts', "import * as z from 'zod';\nimport type { z as t } from 'zod';\n"),
      ];
      expect(zodImportsOtherThanNamespace(files, dir)).toEqual(['object.ts: { z }', 'default.ts: z']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('an inference thread at startup', () => {
  const { packages } = staticImports(path.join(import.meta.dirname, 'inference-thread.ts'));

  it('loads ONNX Runtime, and the int8 probe and weight rewrite (protobufjs) only for a model that needs them', () => {
    expect(packages.has('onnxruntime-node')).toBe(true);
    expect([...packages].filter((p) => /^protobufjs/.test(p))).toEqual([]);
  });
});
