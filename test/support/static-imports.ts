/**
 * What a process loads at start-up, read from the source: the modules an entry reaches through
 * static imports (type-only imports and `await import()` left out, as the compiled code leaves
 * them out or defers them), and the npm packages those modules import.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

const STATIC_IMPORT = /^(?:import|export)\s+(?!type\b)(?:[^;]*?\sfrom\s+)?'([^']+)';/gms;

/** The start-up import graph of one entry. */
export interface StaticImports {
  /** Our own modules (absolute `.ts` paths), the entry included. */
  modules: Set<string>;
  /** Package specifiers (`node:` built-ins included) those modules import. */
  packages: Set<string>;
}

/** The modules and packages reached from `entry` (a `.ts` file) through static imports. */
export function staticImports(entry: string): StaticImports {
  const modules = new Set<string>();
  const packages = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (modules.has(file)) continue;
    modules.add(file);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      if (spec === undefined) continue;
      if (spec.startsWith('.')) queue.push(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
      else packages.add(spec);
    }
  }
  return { modules, packages };
}
