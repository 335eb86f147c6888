/**
 * The layers, checked on the code itself: every non-test source file's relative imports
 * (static, type-only and dynamic) give a graph of folders under src/. It has no cycle, and the
 * function's code (worker/ and all it imports) never reaches the job manager's side. The lint
 * zones in eslint.config.js refuse a wrong import in the first place; the last test shows that
 * they do.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const srcDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.dirname(srcDir);

/** Folders the function must never reach (directly or through what it imports). */
const MANAGER_SIDE = [
  'index.ts',
  'api',
  'manager',
  'orchestrator',
  'cli',
  'spec',
  'config',
  'backends',
  'planning',
  'job-plan',
  'tuning',
  'replay',
  'simulate',
  'trace',
  'calibrate',
  'deploy',
  'package',
  'report',
  'dataset',
];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(file);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [file] : [];
  });
}

/** `worker` for src/worker/entry/child.ts; the file name for a file directly under src/. */
function folderOf(file: string): string {
  return path.relative(srcDir, file).split(path.sep)[0] as string;
}

/** The source file a relative specifier names (`./x.js` is `./x.ts` in the source tree). */
function resolveImport(from: string, specifier: string): string {
  const target = path.resolve(path.dirname(from), specifier);
  for (const candidate of [target.replace(/\.js$/, '.ts'), target, `${target}.ts`]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`${path.relative(repoRoot, from)}: cannot resolve '${specifier}'`);
}

/** Folder -> folders it imports, with one example import per edge. */
function folderGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of sourceFiles(srcDir)) {
    const from = folderOf(file);
    const edges = graph.get(from) ?? new Map<string, string>();
    graph.set(from, edges);
    const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const to = folderOf(resolveImport(file, fileName));
      if (to !== from && !edges.has(to))
        edges.set(to, `${path.relative(srcDir, file)} imports '${fileName}'`);
    }
  }
  return graph;
}

/** Every cycle's folders (strongly connected components of more than one folder). */
function folderCycles(graph: Map<string, Map<string, string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node) as number);
    stack.push(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (stack.includes(next)) {
        low.set(node, Math.min(low.get(node) as number, index.get(next) as number));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop() as string;
        component.push(member);
      } while (member !== node);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

/** The folders `start` reaches, with the import chain that reaches each. */
function reach(graph: Map<string, Map<string, string>>, start: string): Map<string, string[]> {
  const paths = new Map<string, string[]>([[start, []]]);
  const queue = [start];
  for (let node = queue.shift(); node !== undefined; node = queue.shift()) {
    for (const [next, example] of graph.get(node) ?? []) {
      if (paths.has(next)) continue;
      paths.set(next, [...(paths.get(node) as string[]), example]);
      queue.push(next);
    }
  }
  return paths;
}

describe('architecture', () => {
  const graph = folderGraph();

  it('reads the real import graph', () => {
    // A parser that found nothing would make the checks below pass vacuously.
    expect(graph.get('worker')?.has('protocol')).toBe(true);
    expect(graph.get('manager')?.has('core')).toBe(true);
    expect(graph.get('cli')?.size).toBeGreaterThan(10);
  });

  it('has no cycle between folders', () => {
    const cycles = folderCycles(graph).map((folders) => ({
      folders,
      imports: folders.flatMap((f) =>
        [...(graph.get(f) ?? [])].filter(([to]) => folders.includes(to)).map(([, example]) => example),
      ),
    }));
    expect(cycles).toEqual([]);
  });

  it("keeps the function's code off the job manager's side", () => {
    const reached = reach(graph, 'worker');
    const leaks = MANAGER_SIDE.filter((f) => reached.has(f)).map((f) => ({ folder: f, via: reached.get(f) }));
    expect(leaks).toEqual([]);
    expect([...reached.keys()].sort()).toEqual(
      expect.arrayContaining(['core', 'errors.ts', 'protocol', 'storage', 'worker']),
    );
  });

  it('lint refuses an import that points outwards, and a cycle', { timeout: 120_000 }, async () => {
    // The repository's own config, on snippets linted as if they were the text of a real file
    // (the file is not touched). The zones and the cycle rule read imports, not types: the
    // snippets are parsed without the TypeScript project (building it takes most of a minute
    // on a busy machine), so the one typed rule is off here; `npm run lint` runs it.
    const eslint = new ESLint({
      cwd: repoRoot,
      overrideConfig: {
        languageOptions: { parserOptions: { projectService: false } },
        rules: { '@typescript-eslint/no-floating-promises': 'off' },
      },
    });
    const errorsOf = async (rule: string, filePath: string, code: string): Promise<string[]> => {
      const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, filePath) });
      expect(result?.messages.filter((m) => m.fatal)).toEqual([]);
      return (result?.messages ?? []).filter((m) => m.ruleId === rule).map((m) => m.message);
    };
    const zoneErrors = (filePath: string, code: string): Promise<string[]> =>
      errorsOf('import-x/no-restricted-paths', filePath, code);
    expect(
      await zoneErrors(
        'src/core/splitting.ts',
        "import { defaultPipelineConfig } from '../worker/defaults.js';\nexport const config = defaultPipelineConfig();\n",
      ),
    ).toEqual([
      expect.stringMatching(/"\.\.\/worker\/defaults\.js" imported in restricted zone\. core\/ is pure/),
    ]);
    expect(
      await zoneErrors(
        'src/worker/handler.ts',
        "import type { ResolvedJobSpec } from '../spec/types.js';\nexport type Spec = ResolvedJobSpec;\n",
      ),
    ).toEqual([
      expect.stringMatching(/"\.\.\/spec\/types\.js" imported in restricted zone\. worker\/ is the function/),
    ]);
    expect(
      await zoneErrors(
        'src/replay/replay.ts',
        "import { simulate } from '../simulate/simulator.js';\nexport const run = simulate;\n",
      ),
    ).toHaveLength(1);
    expect(
      await zoneErrors(
        'src/job-plan/plan-job.ts',
        "import { runJob } from '../manager/run-job.js';\nexport const run = runJob;\n",
      ),
    ).toEqual([expect.stringMatching(/imported in restricted zone\. job-plan\/ is pure/)]);
    expect(
      await zoneErrors(
        'src/manager/dry-run.ts',
        "import { runJob } from '../api/job.js';\nexport const run = runJob;\n",
      ),
    ).toEqual([
      expect.stringMatching(/imported in restricted zone\. api\/ and index\.ts are the public surface/),
    ]);
    // The same code, pointing inwards, passes.
    expect(
      await zoneErrors(
        'src/core/splitting.ts',
        "import { Random } from './random.js';\nimport { UserError } from '../errors.js';\nexport const made = [Random, UserError];\n",
      ),
    ).toEqual([]);
    // Imports name `.js` files; the resolver finds the `.ts` source, so cycles are seen too.
    expect(
      await errorsOf(
        'import-x/no-cycle',
        'src/core/random.ts',
        "import { FaultInjector } from './faults.js';\nexport const injector = FaultInjector;\n",
      ),
    ).toEqual(['Dependency cycle detected']);
  });
});
