/**
 * `obifaas package`: the zip is built, unpacked into a temporary folder, checked to hold the
 * bundles, the native packages and nothing for other platforms or development, and its handler
 * is loaded by plain Node from the unpacked folder (no access to the repository's node_modules)
 * and invoked: a ping and a static payload with the tiny model on a few images in a filesystem
 * store. Then the local Lambda server runs the unpacked handler under a dynamic job (the gRPC
 * dispatcher and its `.proto`, found from inside the bundle).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LambdaBackend } from '../../src/backends/lambda/lambda-backend.js';
import { generateDataset } from '../../src/dataset/generate.js';
import { runJob } from '../../src/manager/run-job.js';
import { ensureBuiltinModel } from '../../src/models/cache.js';
import { buildFunctionPackage, type PackageReport } from '../../src/package/build-package.js';
import { compileJobSpec } from '../../src/spec/compile.js';
import { compiledDist } from '../support/compiled-dist.js';
import { repoRoot } from '../support/function-servers.js';
import { startLambdaServer, useLambdaTestCredentials } from '../support/lambda-server.js';
import { unzip } from '../support/unzip.js';
import { testAccessEnv } from '../support/function-access.js';
import { saturatingInt8Model, writeModel } from '../support/worker-models.js';

/** A chunk of the handler's bundle: code its modules import with `await import()`. */
const HANDLER_CHUNK = /^dist\/worker\/entry\/lambda-chunk-[A-Z0-9]+\.js$/;

/** A chunk of the inference thread's bundle: the int8 probe and weight rewrite, loaded for int8 models only. */
const THREAD_CHUNK = /^dist\/worker\/inference-thread-chunk-[A-Z0-9]+\.js$/;

let dir: string;
let dist: { dir: string; temp: boolean };
let report: PackageReport;
let unpacked: string;
let files: string[];

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-package-'));
  dist = await compiledDist(dir);
  report = await buildFunctionPackage({
    arch: 'x86_64',
    out: path.join(dir, 'function.zip'),
    distDir: dist.dir,
  });
  unpacked = path.join(dir, 'unpacked');
  files = await unzip(report.file, unpacked);
});
afterAll(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe('the x86_64 function package', () => {
  it('is within the Lambda limits and reports its sizes', async () => {
    expect(report.zipBytes).toBe((await fs.stat(report.file)).size);
    expect(report.zipBytes).toBeLessThan(report.limits.directUploadZipBytes);
    expect(report.unzippedBytes).toBeLessThan(report.limits.unzippedBytes);
    expect(report.files).toBe(files.length);
    console.info(
      `package x86_64: ${(report.zipBytes / 2 ** 20).toFixed(1)} MB zipped, ${(report.unzippedBytes / 2 ** 20).toFixed(1)} MB unzipped, ${report.files} files`,
    );
  });

  it('has the handler entry, an ES-module package.json and a manifest at its root', async () => {
    expect(files).toEqual(expect.arrayContaining(['index.mjs', 'package.json', 'obifaas-package.json']));
    const pkg = JSON.parse(await fs.readFile(path.join(unpacked, 'package.json'), 'utf8')) as {
      type: string;
    };
    expect(pkg.type).toBe('module');
    const manifest = JSON.parse(await fs.readFile(path.join(unpacked, 'obifaas-package.json'), 'utf8')) as {
      arch: string;
      handler: string;
      packages: Array<{ name: string }>;
    };
    expect(manifest).toMatchObject({ arch: 'x86_64', handler: 'index.handler' });
    expect(manifest.packages.map((p) => p.name)).toEqual(
      expect.arrayContaining(['onnxruntime-node', 'sharp']),
    );
  });

  it('holds nothing for other platforms: native files are x86-64 ELF only', async () => {
    const foreign = files.filter((f) =>
      /\/(darwin|win32)\/|\/linux\/arm64\/|\.(dll|dylib|exe)$|sharp-(darwin|win32|linuxmusl|linux-arm)/.test(
        f,
      ),
    );
    expect(foreign).toEqual([]);
    const native = files.filter((f) => /\.(node|so(\.\d+)*)$/.test(f));
    expect(native).toEqual(
      expect.arrayContaining([
        'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node',
        expect.stringMatching(/^node_modules\/@img\/sharp-linux-x64\/lib\/.*\.node$/),
        expect.stringMatching(/^node_modules\/@img\/sharp-libvips-linux-x64\/lib\/libvips-cpp\.so/),
      ]),
    );
    for (const f of native) {
      const header = Buffer.alloc(20);
      const handle = await fs.open(path.join(unpacked, f), 'r');
      await handle.read(header, 0, 20, 0);
      await handle.close();
      expect(header.readUInt32BE(0), f).toBe(0x7f454c46);
      expect(header.readUInt16LE(18), f).toBe(0x3e);
    }
  });

  it('holds the two bundles at their dist/ paths with their chunks, and only the native packages in node_modules', () => {
    const bundled = files.filter((f) => f.startsWith('dist/'));
    expect(bundled.filter((f) => !HANDLER_CHUNK.test(f) && !THREAD_CHUNK.test(f)).sort()).toEqual([
      'dist/worker/entry/lambda.js',
      'dist/worker/inference-thread.js',
    ]);
    expect(bundled.filter((f) => HANDLER_CHUNK.test(f)).length).toBeGreaterThan(0);
    const installed = new Set(
      files.flatMap((f) => /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f)?.slice(1, 2) ?? []),
    );
    expect([...installed].sort()).toEqual(
      [
        '@img/colour',
        '@img/sharp-libvips-linux-x64',
        '@img/sharp-linux-x64',
        'detect-libc',
        'onnxruntime-common',
        'onnxruntime-node',
        'semver',
        'sharp',
      ].sort(),
    );
    expect(report.packages.map((p) => p.name).sort()).toEqual([...installed].sort());
    expect(report.bundledPackages).toEqual(
      expect.arrayContaining(['@aws-sdk/client-s3', '@grpc/grpc-js', 'protobufjs']),
    );
    expect(report.bundledPackages).not.toContain('onnxruntime-node');
    expect(report.bundledPackages).not.toContain('sharp');
  });

  it('loads gRPC, protobufjs and the AWS SDK from chunks that only a payload needing them imports', async () => {
    const text = (f: string): Promise<string> => fs.readFile(path.join(unpacked, f), 'utf8');
    /** The handler's bundle and the chunks it imports statically, as Node loads them at init. */
    const atInit = new Set<string>();
    const queue = ['dist/worker/entry/lambda.js'];
    for (let f = queue.pop(); f !== undefined; f = queue.pop()) {
      if (atInit.has(f)) continue;
      atInit.add(f);
      for (const [, chunk] of (await text(f)).matchAll(/(?:from|import)\s*"\.\/([\w-]+\.js)"/g))
        queue.push(`dist/worker/entry/${chunk}`);
    }
    const later = files.filter((f) => HANDLER_CHUNK.test(f) && !atInit.has(f));
    const lazy = [
      'node_modules/@grpc/grpc-js/',
      'node_modules/protobufjs/',
      'node_modules/@aws-sdk/client-s3/',
    ];
    for (const f of atInit)
      for (const marker of lazy) expect(await text(f), `${f} holds ${marker}`).not.toContain(marker);
    const inLater = (await Promise.all(later.map(text))).join('\n');
    for (const marker of lazy) expect(inLater).toContain(marker);
  });

  it('holds no development dependencies, install-time helpers, sources or type declarations', () => {
    for (const dev of ['vitest', 'typescript', 'tsx', 'eslint', 's3rver', 'yauzl', 'prettier', '@types/yazl'])
      expect(
        files.some((f) => f.startsWith(`node_modules/${dev}/`)),
        dev,
      ).toBe(false);
    for (const installOnly of ['adm-zip', 'global-agent', 'esbuild', '@esbuild/linux-x64'])
      expect(
        files.some((f) => f.startsWith(`node_modules/${installOnly}/`)),
        installOnly,
      ).toBe(false);
    expect(files.filter((f) => /\.d\.ts$|\.ts$|\.map$/.test(f))).toEqual([]);
    expect(files.filter((f) => /libonnxruntime_providers_/.test(f))).toEqual([]);
    expect(files.some((f) => f.startsWith('src/') || f.startsWith('test/'))).toBe(false);
  });

  it('loads and runs its handler with plain Node from the unpacked folder', async () => {
    const home = path.join(dir, 'home');
    const model = await ensureBuiltinModel('tiny', { home });
    const data = await generateDataset({ count: 3, outDir: path.join(dir, 'images'), seed: 2 });
    const payload = {
      kind: 'static',
      jobId: 'pkg',
      workerId: 'w0',
      model: { uri: model },
      storage: { type: 'fs', root: path.dirname(data.manifestPath) },
      pipeline: {
        load: { concurrency: 2 },
        preprocess: { concurrency: 1 },
        predict: { batchSize: 2, intraOpThreads: 1, interOpThreads: 1, replicas: 1 },
        topK: 2,
      },
      splits: [{ splitId: 's0', keys: [...data.keys, 'missing.jpg'] }],
    };
    const runner = path.join(dir, 'invoke.mjs');
    await fs.writeFile(
      runner,
      [
        `import { handler } from ${JSON.stringify(path.join(unpacked, 'index.mjs'))};`,
        'const context = { getRemainingTimeInMillis: () => 60000 };',
        "const ping = await handler({ kind: 'ping' }, context);",
        `const work = await handler(${JSON.stringify(payload)}, context);`,
        'process.stdout.write(JSON.stringify({ ping, work }));',
        'process.exit(0);',
      ].join('\n'),
    );
    const run = spawnSync(process.execPath, [runner], {
      cwd: unpacked,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '',
        HOME: home,
        OBIFAAS_MODEL_CACHE: path.join(dir, 'models'),
        ...testAccessEnv({ read: [path.dirname(data.manifestPath), model] }),
      },
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as {
      ping: { runtime: { node: string; platform: string } };
      work: {
        splits: Array<{ results: Array<{ key: string; top: unknown[] | null; error: string | null }> }>;
      };
    };
    expect(out.ping.runtime).toMatchObject({ node: process.version, platform: 'linux-x64' });
    const results = out.work.splits[0]!.results;
    expect(results.map((r) => r.key)).toEqual([...data.keys, 'missing.jpg']);
    for (const r of results.slice(0, 3)) expect(r.top).toHaveLength(2);
    expect(results[3]!.error).toMatch(/missing\.jpg/);
  });

  it('loads an int8 model in its inference thread, with the int8 probe from a chunk of the thread bundle', async () => {
    const model = await writeModel(dir, 'int8.onnx', saturatingInt8Model());
    const thread = path.join(unpacked, 'dist', 'worker', 'inference-thread.js');
    const runner = path.join(dir, 'thread.mjs');
    await fs.writeFile(
      runner,
      [
        "import { Worker } from 'node:worker_threads';",
        `const workerData = { file: ${JSON.stringify(model)}, settings: { intraOpThreads: 1, interOpThreads: 1 } };`,
        `const worker = new Worker(${JSON.stringify(thread)}, { workerData });`,
        "worker.once('message', (m) => { process.stdout.write(JSON.stringify(m)); process.exit(0); });",
        "worker.once('error', (e) => { process.stderr.write(String(e)); process.exit(1); });",
      ].join('\n'),
    );
    const run = spawnSync(process.execPath, [runner], {
      cwd: unpacked,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ type: 'ready', info: { int8Probed: true } });
  });
});

describe('the unpacked handler behind the local Lambda server', () => {
  it('runs a dynamic job: every input classified once, through the dispatcher', async () => {
    const restoreEnv = useLambdaTestCredentials();
    const home = path.join(dir, 'home-dynamic');
    const model = await ensureBuiltinModel('tiny', { home });
    const data = await generateDataset({ count: 6, outDir: path.join(dir, 'images-dynamic'), seed: 4 });
    const server = await startLambdaServer({
      functions: [{ name: 'obifaas-worker-1769', memoryMb: 1769, timeoutS: 60 }],
      handlerFile: path.join(unpacked, 'index.mjs'),
      env: {
        PATH: process.env.PATH ?? '',
        HOME: home,
        ...testAccessEnv({ read: [path.dirname(data.manifestPath), model] }),
      },
    });
    const backend = new LambdaBackend({
      memoryMb: 1769,
      endpoint: server.endpoint,
      region: 'us-east-1',
      maxConcurrency: 2,
      retry: { maxAttempts: 5, baseDelayMs: 20, maxDelayMs: 200 },
    });
    try {
      const out = path.join(dir, 'dynamic-out');
      const spec = compileJobSpec(
        { inputs: data.manifestPath, model, mode: 'dynamic', splitSize: 2, workers: 2, out, topK: 2 },
        { cores: 2, now: new Date(), cwd: dir },
      );
      const { summary } = await runJob(spec, { backend });
      expect(summary.status).toBe('completed');
      const lines = (await fs.readFile(path.join(out, 'results.jsonl'), 'utf8')).trim().split('\n');
      const results = lines.map(
        (l) => JSON.parse(l) as { key: string; top: unknown[] | null; error: string | null },
      );
      expect(results.map((r) => r.key).sort()).toEqual([...data.keys].sort());
      for (const r of results) expect(r.top, r.error ?? '').toHaveLength(2);
      expect(server.requests.filter((r) => r.operation === 'Invoke').length).toBeGreaterThan(0);
    } finally {
      await backend.close();
      await server.stop();
      restoreEnv();
    }
  });
});

describe('package refusals', () => {
  it('refuses a package over the unzipped limit before writing anything', async () => {
    const out = path.join(dir, 'too-big.zip');
    await expect(
      buildFunctionPackage({ arch: 'x86_64', out, distDir: dist.dir, limits: { unzippedBytes: 1_000_000 } }),
    ).rejects.toThrow(
      /the package unpacks to \d+\.\d MB, over Lambda's 1\.0 MB limit for unzipped code: nothing was uploaded/,
    );
    await expect(fs.stat(out)).rejects.toThrow();
  });

  it("refuses an arm64 package without sharp's arm64 binaries, with the command that installs them", async () => {
    const installed = await fs
      .stat(path.join(repoRoot, 'node_modules', '@img', 'sharp-linux-arm64'))
      .catch(() => undefined);
    if (installed) return; // this machine has them: nothing to refuse
    await expect(
      buildFunctionPackage({ arch: 'arm64', out: path.join(dir, 'arm.zip'), distDir: dist.dir }),
    ).rejects.toThrow(
      /sharp's native binaries for linux-arm64 .* npm install --no-save --os=linux --cpu=arm64 --libc=glibc @img\/sharp-linux-arm64@\S+ @img\/sharp-libvips-linux-arm64@\S+$/,
    );
  });
});
