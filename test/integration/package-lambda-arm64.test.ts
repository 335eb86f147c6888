/**
 * The arm64 function package, built on this x86_64 machine with sharp's arm64 binaries from a
 * platform packages folder (`.ci/fetch-arm64`), and run under QEMU's user-mode emulation: every
 * native file in it is an aarch64 ELF binary; unpacked, its handler is loaded by an arm64 Node
 * (without the repository's node_modules) and answers a ping and a static payload of the tiny
 * model with the classes the x86_64 package gives on the same images; an int8 model loads in its
 * inference thread. Skipped, with the reason in its name, when a piece of the emulation is absent.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../src/dataset/generate.js';
import { ensureBuiltinModel } from '../../src/models/cache.js';
import { targetOf } from '../../src/package/build-package.js';
import { foreignBinaryReason, isNativeFile } from '../../src/package/native.js';
import {
  arm64NodeCommand,
  findArm64Emulation,
  makeArm64Root,
  type Arm64Emulation,
} from '../support/arm64-emulation.js';
import { compiledDist } from '../support/compiled-dist.js';
import { testAccessEnv } from '../support/function-access.js';
import {
  buildUnpacked,
  writeHandlerRunner,
  type HandlerRun,
  type UnpackedPackage,
} from '../support/function-package.js';
import { repoRoot } from '../support/repo-root.js';
import { saturatingInt8Model, writeModel } from '../support/worker-models.js';

const emulation = findArm64Emulation();
const missing = 'missing' in emulation ? emulation.missing : undefined;

/** Minutes, not seconds: the emulated Node runs several times slower than a native one. */
const EMULATED_RUN_MS = 240_000;

/**
 * How far an emulated arm64 score may be from the x86_64 one. The two packages run different
 * native code on the same images: ONNX Runtime's arm64 kernels (NEON) sum in another order, with
 * fused multiply-adds, than its x86 ones (AVX2), and libvips has vector paths of its own per CPU;
 * so scores agree to float32 rounding, not bit for bit (1.4e-7 apart at most when this was
 * written), while a decoded or resized pixel that differed would move them by far more.
 */
const SCORE_TOLERANCE = 1e-5;

const state = {} as {
  dir: string;
  arm64: UnpackedPackage;
  x86_64: UnpackedPackage;
  home: string;
  root: string;
  model: string;
  images: { root: string; keys: string[] };
};

describe.skipIf(missing !== undefined)(
  `the arm64 function package under emulation${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    const arm = emulation as Arm64Emulation;

    beforeAll(async () => {
      state.dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-arm64-'));
      const dist = await compiledDist(state.dir);
      state.arm64 = await buildUnpacked(state.dir, dist.dir, 'arm64', arm.platformPackages);
      state.x86_64 = await buildUnpacked(state.dir, dist.dir, 'x86_64');
      state.root = await makeArm64Root(arm, path.join(state.dir, 'arm64-root'));
      state.home = path.join(state.dir, 'home');
      state.model = await ensureBuiltinModel('tiny', { home: state.home });
      const data = await generateDataset({ count: 4, outDir: path.join(state.dir, 'images'), seed: 11 });
      state.images = { root: path.dirname(data.manifestPath), keys: data.keys };
    });
    afterAll(async () => {
      if (state.dir) await fs.rm(state.dir, { recursive: true, force: true });
    });

    it("holds aarch64 native code only, sharp's arm64 binaries among it, at the versions sharp names", async () => {
      const { report, unpacked, files } = state.arm64;
      const native = files.filter(isNativeFile);
      const foreign: string[] = [];
      for (const f of native) {
        const reason = await foreignBinaryReason(path.join(unpacked, f), targetOf('arm64'));
        if (reason) foreign.push(`${f}: ${reason}`);
      }
      expect(foreign).toEqual([]);
      for (const expected of [
        /^node_modules\/@img\/sharp-linux-arm64\/lib\/sharp-linux-arm64[-.\d]*\.node$/,
        /^node_modules\/@img\/sharp-libvips-linux-arm64\/lib\/libvips-cpp\.so/,
        /^node_modules\/onnxruntime-node\/bin\/napi-v\d+\/linux\/arm64\/libonnxruntime\.so/,
        /^node_modules\/onnxruntime-node\/bin\/napi-v\d+\/linux\/arm64\/onnxruntime_binding\.node$/,
      ])
        expect(native.filter((f) => expected.test(f)).length, String(expected)).toBeGreaterThan(0);
      const sharp = JSON.parse(
        await fs.readFile(path.join(repoRoot, 'node_modules', 'sharp', 'package.json'), 'utf8'),
      ) as { optionalDependencies: Record<string, string> };
      const manifest = JSON.parse(await fs.readFile(path.join(unpacked, 'obifaas-package.json'), 'utf8')) as {
        arch: string;
        packages: Array<{ name: string; version: string }>;
      };
      expect(manifest.arch).toBe('arm64');
      for (const name of ['@img/sharp-linux-arm64', '@img/sharp-libvips-linux-arm64'])
        expect(manifest.packages).toContainEqual({ name, version: sharp.optionalDependencies[name] });
      console.info(
        `package sizes: arm64 ${report.zipBytes} bytes zipped, ${report.unzippedBytes} unzipped; ` +
          `x86_64 ${state.x86_64.report.zipBytes} zipped, ${state.x86_64.report.unzippedBytes} unzipped`,
      );
    });

    it('answers a ping and a static payload of the tiny model with the classes of the x86_64 package', async () => {
      const payload = {
        kind: 'static',
        jobId: 'arm64',
        workerId: 'w0',
        model: { uri: state.model },
        storage: { type: 'fs', root: state.images.root },
        pipeline: {
          load: { concurrency: 2 },
          preprocess: { concurrency: 1 },
          predict: { batchSize: 2, intraOpThreads: 1, interOpThreads: 1, replicas: 1 },
          topK: 3,
        },
        splits: [{ splitId: 's0', keys: state.images.keys }],
      };
      const env = {
        PATH: process.env.PATH ?? '',
        HOME: state.home,
        OBIFAAS_MODEL_CACHE: path.join(state.dir, 'models'),
        ...testAccessEnv({ read: [state.images.root, state.model] }),
      };
      const run = (pkg: UnpackedPackage, command: [string, string[]]): HandlerRun => {
        const started = Date.now();
        const child = spawnSync(command[0], command[1], {
          cwd: pkg.unpacked,
          encoding: 'utf8',
          env,
          timeout: EMULATED_RUN_MS,
        });
        expect(child.status, child.stderr).toBe(0);
        console.info(
          `${pkg.report.arch} handler: ping and ${state.images.keys.length} images in ${Date.now() - started} ms`,
        );
        return JSON.parse(child.stdout) as HandlerRun;
      };
      const armRunner = await writeHandlerRunner(
        path.join(state.dir, 'arm64.mjs'),
        state.arm64.unpacked,
        payload,
      );
      const x86Runner = await writeHandlerRunner(
        path.join(state.dir, 'x86_64.mjs'),
        state.x86_64.unpacked,
        payload,
      );
      const emulated = run(state.arm64, arm64NodeCommand(arm, state.root, [armRunner]));
      const native = run(state.x86_64, [process.execPath, [x86Runner]]);

      expect(emulated.ping.runtime.platform).toBe('linux-arm64');
      expect(native.ping.runtime.platform).toBe('linux-x64');
      const armResults = emulated.work.splits[0]!.results;
      const x86Results = native.work.splits[0]!.results;
      expect(armResults.map((r) => r.key)).toEqual(state.images.keys);
      expect(x86Results.map((r) => r.key)).toEqual(state.images.keys);
      armResults.forEach((r, i) => {
        const x86 = x86Results[i]!;
        expect(r.error, r.key).toBeNull();
        expect(
          r.top!.map((t) => t.class),
          r.key,
        ).toEqual(x86.top!.map((t) => t.class));
        r.top!.forEach((t, k) =>
          expect(Math.abs(t.score - x86.top![k]!.score), r.key).toBeLessThan(SCORE_TOLERANCE),
        );
      });
      console.info(
        `largest score difference arm64 - x86_64: ${Math.max(...armResults.flatMap((r, i) => r.top!.map((t, k) => Math.abs(t.score - x86Results[i]!.top![k]!.score))))}`,
      );
    });

    it('loads an int8 model in its inference thread, with the int8 probe, and gives its exact result', async () => {
      const model = await writeModel(state.dir, 'int8.onnx', saturatingInt8Model());
      const thread = path.join(state.arm64.unpacked, 'dist', 'worker', 'inference-thread.js');
      const runner = path.join(state.dir, 'thread.mjs');
      // One image of 255s, which saturates the u8s8 kernels of x86 CPUs without VNNI (worker-int8.test.ts).
      const request = { id: 1, count: 1, imageShape: [3, 2, 2], output: 'logits' };
      await fs.writeFile(
        runner,
        [
          "import { Worker } from 'node:worker_threads';",
          `const workerData = { file: ${JSON.stringify(model)}, settings: { intraOpThreads: 1, interOpThreads: 1 } };`,
          `const worker = new Worker(${JSON.stringify(thread)}, { workerData });`,
          'let ready;',
          "worker.on('message', (m) => {",
          "  if (m.type === 'ready') {",
          '    ready = m;',
          `    worker.postMessage({ ...${JSON.stringify(request)}, batch: new Float32Array(12).fill(255) });`,
          '  } else {',
          '    process.stdout.write(JSON.stringify({ ready, reply: { ...m, logits: m.logits && Array.from(m.logits), input: undefined } }));',
          '    process.exit(0);',
          '  }',
          '});',
          "worker.once('error', (e) => { process.stderr.write(String(e)); process.exit(1); });",
        ].join('\n'),
      );
      const started = Date.now();
      const [command, args] = arm64NodeCommand(arm, state.root, [runner]);
      const run = spawnSync(command, args, {
        cwd: state.arm64.unpacked,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '' },
        timeout: EMULATED_RUN_MS,
      });
      expect(run.status, run.stderr).toBe(0);
      console.info(`arm64 int8 model loaded and run in ${Date.now() - started} ms`);
      const out = JSON.parse(run.stdout) as { ready: unknown; reply: unknown };
      // The arm64 kernels accumulate in 32 bits: the probe finds no saturation, so no weights are shifted.
      expect(out.ready).toMatchObject({
        type: 'ready',
        info: { int8Probed: true, int8WeightsShifted: false },
      });
      expect(out.reply).toMatchObject({ type: 'result', id: 1, logits: [190 * 2048] });
    });
  },
);
