/**
 * What every `obifaas` process loads before it parses its arguments: the modules `main.ts`
 * reaches through static imports (type-only imports and `await import()` left out). Command
 * modules keep their heavy imports inside their actions; this keeps the SDKs out of that graph,
 * so a refusal or `--help` does not pay for them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const STATIC_IMPORT = /^(?:import|export)\s+(?!type\b)(?:[^;]*?\sfrom\s+)?'([^']+)';/gms;

/** The packages reached from `entry` through static imports of our own modules. */
function staticPackages(entry: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      if (spec === undefined) continue;
      if (spec.startsWith('.')) queue.push(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
      else packages.add(spec);
    }
  }
  return packages;
}

describe('the CLI at startup', () => {
  const packages = staticPackages(path.join(import.meta.dirname, 'main.ts'));

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
