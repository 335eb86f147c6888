/**
 * The public surface (`src/index.ts`): what it exports, that every export has TSDoc where it is
 * declared, and that none of it comes from `cli/`. A change to the surface changes this list on
 * purpose.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';

const srcDir = path.dirname(fileURLToPath(import.meta.url));

/** The values `obifaas` exports (types are checked below, through the compiler). */
const VALUES = [
  'AccessError',
  'BUILTIN_MODELS',
  'BackendError',
  'LAMBDA_PRICES',
  'ModelError',
  'ObiError',
  'REFERENCE_CPR_MODEL',
  'SpecError',
  'StorageError',
  'UserError',
  'compareJobs',
  'createBackend',
  'dryRunJob',
  'fitCprModel',
  'generateDataset',
  'loadTimeEstimate',
  'openStore',
  'parseCprModel',
  'parseCprSamples',
  'planJob',
  'planOptions',
  'planWorkers',
  'predictCpr',
  'predictLatency',
  'pricePerSecondUsd',
  'profileEstimate',
  'readEmbeddings',
  'readJobRecord',
  'readJobResults',
  'replayDay',
  'resolveJobSpec',
  'resolvePrices',
  'resumeJob',
  'runJob',
  'simulateDay',
  'writeJobReport',
];

/** A program of src/index.ts and what it imports. */
function programOf(index: string): ts.Program {
  return ts.createProgram([index], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
  });
}

/** Every export of src/index.ts with the declarations it stands for. */
function exportsOfIndex(program: ts.Program): Array<{ name: string; declarations: ts.Declaration[] }> {
  const index = path.join(srcDir, 'index.ts');
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(index);
  if (!file) throw new Error('src/index.ts not found');
  const moduleSymbol = checker.getSymbolAtLocation(file);
  if (!moduleSymbol) throw new Error('src/index.ts is not a module');
  return checker.getExportsOfModule(moduleSymbol).map((symbol) => {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    return { name: symbol.getName(), declarations: target.getDeclarations() ?? [] };
  });
}

/** True when the declaration (or the statement holding it) carries a `/** ... *\/` comment. */
function hasTsDoc(declaration: ts.Declaration): boolean {
  const holder = ts.isVariableDeclaration(declaration) ? declaration.parent.parent : declaration;
  return ts.getJSDocCommentsAndTags(holder).length > 0;
}

describe('the public surface', () => {
  const program = programOf(path.join(srcDir, 'index.ts'));
  const exported = exportsOfIndex(program);

  it('exports these values, and each one is what it says', () => {
    expect(Object.keys(api).sort()).toEqual([...VALUES].sort());
    expect(typeof api.runJob).toBe('function');
    expect(new api.SpecError([{ path: 'workers', message: 'expected a number >= 1, got 0' }])).toBeInstanceOf(
      api.UserError,
    );
  });

  it('gives the issues docs/api.md shows for a bad option', async () => {
    const doc = await readFile(path.join(srcDir, '..', 'docs', 'api.md'), 'utf8');
    const shown = /\[\{ path: 'workers', message: '([^']+)' \}, \.\.\.\]/.exec(doc)?.[1];
    expect(shown, 'docs/api.md shows the issue of workers: 0').toBeDefined();
    let thrown: unknown;
    try {
      api.resolveJobSpec({ inputs: 'x', model: 'tiny', workers: 0 });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(api.SpecError);
    expect((thrown as InstanceType<typeof api.SpecError>).issues).toContainEqual({
      path: 'workers',
      message: shown,
    });
  });

  it('documents every export where it is declared, and takes nothing from cli/', () => {
    const undocumented: string[] = [];
    const fromCli: string[] = [];
    for (const { name, declarations } of exported) {
      expect(declarations.length, name).toBeGreaterThan(0);
      for (const declaration of declarations) {
        const where = path.relative(srcDir, declaration.getSourceFile().fileName);
        if (!hasTsDoc(declaration)) undocumented.push(`${name} (${where})`);
        if (where.startsWith(`cli${path.sep}`)) fromCli.push(`${name} (${where})`);
      }
    }
    expect(undocumented).toEqual([]);
    expect(fromCli).toEqual([]);
    // Types too: the job options, the summary, the events, the backend and store interfaces.
    const names = exported.map((e) => e.name);
    for (const type of ['JobOptions', 'JobSummary', 'JobEvent', 'ComputeBackend', 'BlobStore', 'DayReport'])
      expect(names).toContain(type);
  }, 120_000);

  it('exports every type its exports name, so that a program can name what it meets', () => {
    expect(unexportedTypes(program, exported)).toEqual([]);
  });
});

/**
 * The types that the public declarations name, followed through the types they name in turn,
 * that `src/index.ts` does not export: a program could meet them but not name them.
 */
function unexportedTypes(
  program: ts.Program,
  exported: Array<{ name: string; declarations: ts.Declaration[] }>,
): string[] {
  const checker = program.getTypeChecker();
  const publicSymbols = new Set<ts.Symbol>();
  const queue: ts.Declaration[] = [];
  for (const { declarations } of exported) queue.push(...declarations);
  for (const d of queue) {
    const symbol = (d as { symbol?: ts.Symbol }).symbol;
    if (symbol) publicSymbols.add(symbol);
  }
  const missing = new Map<string, string>();
  const visited = new Set<ts.Node>();
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      // A function's signature, not its body.
      for (const part of [...node.parameters, node.type, ...(node.typeParameters ?? [])])
        if (part) visit(part);
      return;
    }
    if (ts.isVariableDeclaration(node)) {
      if (node.type) visit(node.type);
      return;
    }
    // (A `typeof value` names a value, such as the schema a type is inferred from: not a type to name.)
    if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node)) {
      const name = ts.isTypeReferenceNode(node) ? node.typeName : node.expression;
      let symbol = checker.getSymbolAtLocation(name);
      if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
      for (const d of symbol?.getDeclarations() ?? []) {
        const file = d.getSourceFile().fileName;
        if (!file.startsWith(srcDir) || ts.isTypeParameterDeclaration(d)) continue;
        if (!publicSymbols.has(symbol!)) missing.set(symbol!.getName(), path.relative(srcDir, file));
        if (!visited.has(d)) {
          visited.add(d);
          visit(d);
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  for (const d of queue) {
    visited.add(d);
    visit(d);
  }
  return [...missing].map(([name, file]) => `${name} (${file})`).sort();
}
