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

/** Every export of src/index.ts with the declarations it stands for. */
function exportsOfIndex(): Array<{ name: string; declarations: ts.Declaration[] }> {
  const index = path.join(srcDir, 'index.ts');
  const program = ts.createProgram([index], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
  });
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
  const exported = exportsOfIndex();

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
});
