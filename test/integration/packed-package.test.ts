/**
 * The package as a consumer gets it: `npm pack`, then installed into a new project outside the
 * repository (no network: see test/support/packed-package.ts). The tarball ships what the
 * package needs and nothing stale; `import('obifaas')` works by name; a TypeScript program
 * typechecks against the published types (strict, NodeNext); the example job runs through
 * the installed package, its functions started from it; and a program drives jobs through it as
 * a platform's runner would (test/fixtures/consumer/drive-jobs.ts).
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSummary } from '../../src/index.js';
import { repoRoot } from '../support/function-servers.js';
import {
  freshDist,
  installPackage,
  packRepository,
  run,
  type PackedPackage,
} from '../support/packed-package.js';

let dir: string;
let project: string;
let packed: PackedPackage;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-packed-'));
  project = path.join(dir, 'consumer');
  await freshDist();
  packed = await packRepository(dir);
  const how = await installPackage(packed, project);
  if (how === 'registry')
    console.warn('packed-package: the npm cache lacked a dependency; the registry was used');
  // A TypeScript consumer, and the example, as files of the consumer's own.
  const fixtures = path.join(repoRoot, 'test', 'fixtures', 'consumer');
  await fs.copyFile(path.join(fixtures, 'consumer.ts'), path.join(project, 'consumer.ts'));
  await fs.copyFile(path.join(fixtures, 'tsconfig.consumer.json'), path.join(project, 'tsconfig.json'));
  await fs.copyFile(path.join(repoRoot, 'examples', 'run-job.ts'), path.join(project, 'run-job.ts'));
  await fs.copyFile(path.join(fixtures, 'drive-jobs.ts'), path.join(project, 'drive-jobs.ts'));
}, 600_000);
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** `node -e CODE` in the consumer project: its stdout, stderr and exit code. */
function nodeEval(code: string): { stdout: string; stderr: string; status: number | null } {
  const { stdout, stderr, status } = spawnSync(process.execPath, ['-e', code], {
    cwd: project,
    encoding: 'utf8',
  });
  return { stdout, stderr, status };
}

describe('the packed package', () => {
  it('ships the compiled code with its types, the data files it reads, and nothing stale', async () => {
    const files = new Set(packed.files);
    for (const needed of [
      'package.json',
      'README.md',
      'bin/obifaas.js',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/worker/entry/lambda.js',
      'dist/worker/entry/lambda.d.ts',
      'dist/worker/entry/child.js',
      'proto/dispatcher.proto',
      'profiles/lambda-resnet50-3008.json',
      'spaces/resnet50.json',
      'planning-data/reference-cpr-model.json',
    ])
      expect(files, needed).toContain(needed);
    const unwanted = packed.files.filter(
      (f) =>
        f.startsWith('src/') || f.startsWith('test/') || f.endsWith('.map') || /\.test\.(js|d\.ts)$/.test(f),
    );
    expect(unwanted).toEqual([]);
    // Every compiled module comes from a source file that exists now (the build empties dist/ first).
    const compiled = packed.files.filter((f) => f.startsWith('dist/') && f.endsWith('.js'));
    const stale = [];
    for (const file of compiled) {
      const source = path.join(repoRoot, 'src', file.slice('dist/'.length).replace(/\.js$/, '.ts'));
      if (!(await fs.stat(source).catch(() => null))) stale.push(file);
    }
    expect(stale).toEqual([]);
    expect(compiled.length).toBeGreaterThan(100);
  });

  it('imports by name, with the Lambda handler apart, and nothing deeper', () => {
    expect(nodeEval("import('obifaas').then(m => console.log(typeof m.runJob))")).toMatchObject({
      stdout: 'function\n',
      status: 0,
    });
    // The installed copy, not the repository (whose own name resolves to itself).
    expect(nodeEval("console.log(require.resolve('obifaas'))").stdout.trim()).toBe(
      path.join(project, 'node_modules', 'obifaas', 'dist', 'index.js'),
    );
    expect(nodeEval("import('obifaas/lambda').then(m => console.log(typeof m.handler))").stdout).toBe(
      'function\n',
    );
    // require(): Node's require of an ES module (20.19+, 22.12+) loads it, as the package has no
    // top-level await; an older Node refuses it with its own code.
    const required = nodeEval(
      "try { const m = require('obifaas'); console.log(typeof m.runJob, typeof require('obifaas/lambda').handler) } catch (e) { console.log(e.code) }",
    );
    expect(required.stdout).toBe(
      process.features.require_module === true ? 'function function\n' : 'ERR_REQUIRE_ESM\n',
    );
    const deep = nodeEval("import('obifaas/dist/cli/main.js').catch(e => console.log(e.code))");
    expect(deep.stdout).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED\n');
    const bin = spawnSync(path.join(project, 'node_modules', '.bin', 'obifaas'), ['--version'], {
      encoding: 'utf8',
    });
    expect(bin.stdout.trim()).toBe(packed.version);
  });

  it('typechecks a TypeScript consumer and the example against the published types', async () => {
    const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    // Node's types come from the repository: the package's types are what is under test.
    const typeRoots = path.join(repoRoot, 'node_modules', '@types');
    const listed = run(
      process.execPath,
      [tsc, '-p', '.', '--typeRoots', typeRoots, '--listFilesOnly'],
      project,
    );
    expect(listed.stdout).toContain(path.join(project, 'node_modules', 'obifaas', 'dist', 'index.d.ts'));
    run(process.execPath, [tsc, '-p', '.', '--typeRoots', typeRoots, '--noEmit'], project);
    // The check can fail: a wrong use of a published type is an error.
    await fs.writeFile(
      path.join(project, 'wrong.ts'),
      "import { runJob } from 'obifaas';\nexport const n: number = runJob;\n",
    );
    const wrong = spawnSync(process.execPath, [tsc, '-p', '.', '--typeRoots', typeRoots, '--noEmit'], {
      cwd: project,
      encoding: 'utf8',
    });
    await fs.rm(path.join(project, 'wrong.ts'));
    expect(wrong.status).not.toBe(0);
    expect(wrong.stdout).toMatch(/wrong\.ts\(2,14\): error TS2322/);
  }, 300_000);

  it('runs a small job through the installed package', async () => {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const folder = path.join(dir, 'example');
    const example = spawnSync(process.execPath, ['--import', tsx, 'run-job.ts', folder], {
      cwd: project,
      encoding: 'utf8',
      env: { ...process.env, OBIFAAS_HOME: path.join(dir, 'home') },
      timeout: 240_000,
    });
    expect(example.status, example.stderr).toBe(0);
    const summary = JSON.parse(example.stdout) as JobSummary;
    expect(summary).toMatchObject({
      status: 'completed',
      inputs: 8,
      ok: 8,
      errors: 0,
      out: path.join(folder, 'job'),
    });
  }, 300_000);

  it('drives jobs as a program would: errors by class, a throwing listener, a cancel and its resume, a locked folder', async () => {
    const folder = path.join(dir, 'driven');
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const driven = spawnSync(process.execPath, ['--import', tsx, 'drive-jobs.ts', folder], {
      cwd: project,
      encoding: 'utf8',
      env: { ...process.env, OBIFAAS_HOME: path.join(dir, 'home') },
      timeout: 240_000,
    });
    expect(driven.status, driven.stderr).toBe(0);
    const seen = JSON.parse(driven.stdout) as DrivenJobs;
    // Options with a mistake: a SpecError with the field, whose issue the CLI prints too.
    expect(seen.badOptions).toMatchObject({
      name: 'SpecError',
      userError: true,
      specError: true,
      issues: [{ path: 'workers', message: 'expected an integer >= 1, got 0' }],
    });
    const cli = spawnSync(
      path.join(project, 'node_modules', '.bin', 'obifaas'),
      ['run', '--input', path.join(folder, 'data', 'manifest.txt'), '--model', 'tiny', '--workers', '0'],
      { encoding: 'utf8' },
    );
    expect(cli.status).toBe(2);
    expect(cli.stderr).toContain(`workers (from --workers): ${seen.badOptions.issues?.[0]?.message}`);
    // A listener that throws changes nothing, and is told once.
    expect(seen.throwingListener).toMatchObject({ status: 'completed', ok: 12 });
    expect(seen.throwingListener.events).toBeGreaterThan(2);
    // (The count of function processes sees them while they run.)
    expect(seen.throwingListener.functionsWhileRunning).toBeGreaterThan(0);
    expect(seen.throwingListener.warnings).toEqual([
      expect.objectContaining({ code: 'OBIFAAS_LISTENER_THREW' }),
    ]);
    // Cancelled as its first function started: every input has its line, no function is left.
    expect(seen.cancelled).toEqual({
      status: 'cancelled',
      ok: 0,
      errors: 12,
      lineErrors: ['cancelled'],
      lines: 12,
      functionsLeft: 0,
    });
    expect(seen.resumed).toEqual({ status: 'completed', ok: 12, errors: 0 });
    // Two jobs at once on one folder: one runs, the other is refused, naming the folder (which
    // of the two takes the folder first is up to the race).
    const ran = seen.sameFolder.filter((r) => 'status' in r);
    const refused = seen.sameFolder.filter((r) => !('status' in r));
    expect(ran).toEqual([{ status: 'completed' }]);
    // A start-up check of the folder, as every other: a SpecError whose issue is under `out`.
    expect(refused).toEqual([
      expect.objectContaining({
        userError: true,
        specError: true,
        issues: [{ path: 'out', message: expect.stringMatching(/is running in this process|is not empty/) }],
      }),
    ]);
    expect((refused[0] as Refusal | undefined)?.message).toMatch(
      /^out: .*(is running in this process|is not empty)/,
    );
    expect(seen.results).toEqual({ keys: 12, inOrder: true });
  }, 300_000);
});

/** What test/fixtures/consumer/drive-jobs.ts prints. */
interface DrivenJobs {
  badOptions: Refusal;
  throwingListener: {
    status: string;
    ok: number;
    events: number;
    warnings: Array<{ code: string }>;
    functionsWhileRunning: number;
  };
  cancelled: Record<string, unknown>;
  resumed: Record<string, unknown>;
  sameFolder: Array<{ status: string } | Refusal>;
  results: { keys: number; inOrder: boolean };
}
interface Refusal {
  name: string;
  userError: boolean;
  specError: boolean;
  issues: Array<{ path: string; message: string }> | null;
  message: string;
}
