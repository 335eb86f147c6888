/**
 * `obifaas package`: the zip is built, unpacked into a temporary folder, and checked to hold the
 * bundles, the native packages and nothing for other platforms or development; packages over the
 * limits, or without the native files of their platform, are refused. Running the unpacked
 * handler: `package-lambda-run.test.ts`.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFunctionPackage } from '../../src/package/build-package.js';
import { HANDLER_ENTRY, loadedAtInit } from '../../src/package/bundle.js';
import { usePackagedFunction, world } from '../support/function-package.js';
import { repoRoot } from '../support/function-servers.js';

/** A chunk of the handler's bundle: code its modules import with `await import()`. */
const HANDLER_CHUNK = /^dist\/worker\/entry\/lambda-chunk-[A-Z0-9]+\.js$/;

/**
 * The handler's bundle files (paths under `dist/`, with their text): those Node loads at init (the
 * handler and the chunks it imports statically), and the chunks only a payload's import loads.
 */
async function handlerBundles(): Promise<Record<'atInit' | 'later', { distPath: string; text: string }[]>> {
  const files = await Promise.all(
    world.files
      .filter((f) => f === `dist/${HANDLER_ENTRY}` || HANDLER_CHUNK.test(f))
      .map(async (f) => ({
        distPath: f.slice('dist/'.length),
        bytes: await fs.readFile(path.join(world.unpacked, f)),
      })),
  );
  const atInit = new Set(loadedAtInit(files, HANDLER_ENTRY).map((f) => f.distPath));
  const withText = (f: (typeof files)[number]): { distPath: string; text: string } => ({
    distPath: f.distPath,
    text: f.bytes.toString('utf8'),
  });
  return {
    atInit: files.filter((f) => atInit.has(f.distPath)).map(withText),
    later: files.filter((f) => !atInit.has(f.distPath)).map(withText),
  };
}

/** A chunk of the inference thread's bundle: the int8 probe and weight rewrite, loaded for int8 models only. */
const THREAD_CHUNK = /^dist\/worker\/inference-thread-chunk-[A-Z0-9]+\.js$/;

usePackagedFunction();

describe('the x86_64 function package', () => {
  it('is within the Lambda limits and reports its sizes', async () => {
    expect(world.report.zipBytes).toBe((await fs.stat(world.report.file)).size);
    expect(world.report.zipBytes).toBeLessThan(world.report.limits.directUploadZipBytes);
    expect(world.report.unzippedBytes).toBeLessThan(world.report.limits.unzippedBytes);
    expect(world.report.files).toBe(world.files.length);
    console.info(
      `package x86_64: ${(world.report.zipBytes / 2 ** 20).toFixed(1)} MB zipped, ${(world.report.unzippedBytes / 2 ** 20).toFixed(1)} MB unzipped, ${world.report.files} world.files`,
    );
  });

  it('has the handler entry, an ES-module package.json and a manifest at its root', async () => {
    expect(world.files).toEqual(
      expect.arrayContaining(['index.mjs', 'package.json', 'obifaas-package.json']),
    );
    const pkg = JSON.parse(await fs.readFile(path.join(world.unpacked, 'package.json'), 'utf8')) as {
      type: string;
    };
    expect(pkg.type).toBe('module');
    const manifest = JSON.parse(
      await fs.readFile(path.join(world.unpacked, 'obifaas-package.json'), 'utf8'),
    ) as {
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
    const foreign = world.files.filter((f) =>
      /\/(darwin|win32)\/|\/linux\/arm64\/|\.(dll|dylib|exe)$|sharp-(darwin|win32|linuxmusl|linux-arm)/.test(
        f,
      ),
    );
    expect(foreign).toEqual([]);
    const native = world.files.filter((f) => /\.(node|so(\.\d+)*)$/.test(f));
    expect(native).toEqual(
      expect.arrayContaining([
        'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node',
        expect.stringMatching(/^node_modules\/@img\/sharp-linux-x64\/lib\/.*\.node$/),
        expect.stringMatching(/^node_modules\/@img\/sharp-libvips-linux-x64\/lib\/libvips-cpp\.so/),
      ]),
    );
    for (const f of native) {
      const header = Buffer.alloc(20);
      const handle = await fs.open(path.join(world.unpacked, f), 'r');
      await handle.read(header, 0, 20, 0);
      await handle.close();
      expect(header.readUInt32BE(0), f).toBe(0x7f454c46);
      expect(header.readUInt16LE(18), f).toBe(0x3e);
    }
  });

  it('holds the two bundles at their dist/ paths with their chunks, and only the native packages in node_modules', () => {
    const bundled = world.files.filter((f) => f.startsWith('dist/'));
    expect(bundled.filter((f) => !HANDLER_CHUNK.test(f) && !THREAD_CHUNK.test(f)).sort()).toEqual([
      'dist/worker/entry/lambda.js',
      'dist/worker/inference-thread.js',
    ]);
    expect(bundled.filter((f) => HANDLER_CHUNK.test(f)).length).toBeGreaterThan(0);
    const installed = new Set(
      world.files.flatMap((f) => /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f)?.slice(1, 2) ?? []),
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
    expect(world.report.packages.map((p) => p.name).sort()).toEqual([...installed].sort());
    expect(world.report.bundledPackages).toEqual(
      expect.arrayContaining(['@aws-sdk/client-s3', '@grpc/grpc-js', 'protobufjs']),
    );
    expect(world.report.bundledPackages).not.toContain('onnxruntime-node');
    expect(world.report.bundledPackages).not.toContain('sharp');
  });

  it('loads gRPC, protobufjs and the AWS SDK from chunks that only a payload needing them imports', async () => {
    const { atInit, later } = await handlerBundles();
    const lazy = [
      'node_modules/@grpc/grpc-js/',
      'node_modules/protobufjs/',
      'node_modules/@aws-sdk/client-s3/',
    ];
    for (const f of atInit)
      for (const marker of lazy) expect(f.text, `${f.distPath} holds ${marker}`).not.toContain(marker);
    const inLater = later.map((f) => f.text).join('\n');
    for (const marker of lazy) expect(inLater).toContain(marker);
  });

  it("keeps only the parts of zod the schemas use: English messages, no other locale's", async () => {
    const { atInit } = await handlerBundles();
    const text = atInit.map((f) => f.text).join('\n');
    // A word of each locale's messages: English, which the function reports in, German, French.
    expect(text.includes('Invalid input: expected'), 'English messages at init').toBe(true);
    for (const word of ['erwartet', 'attendu']) expect(text.includes(word), `'${word}' at init`).toBe(false);
    expect(Buffer.byteLength(text)).toBeLessThan(400_000);
  });

  it('holds no development dependencies, install-time helpers, sources or type declarations', () => {
    for (const dev of ['vitest', 'typescript', 'tsx', 'eslint', 's3rver', 'yauzl', 'prettier', '@types/yazl'])
      expect(
        world.files.some((f) => f.startsWith(`node_modules/${dev}/`)),
        dev,
      ).toBe(false);
    for (const installOnly of ['adm-zip', 'global-agent', 'esbuild', '@esbuild/linux-x64'])
      expect(
        world.files.some((f) => f.startsWith(`node_modules/${installOnly}/`)),
        installOnly,
      ).toBe(false);
    expect(world.files.filter((f) => /\.d\.ts$|\.ts$|\.map$/.test(f))).toEqual([]);
    expect(world.files.filter((f) => /libonnxruntime_providers_/.test(f))).toEqual([]);
    expect(world.files.some((f) => f.startsWith('src/') || f.startsWith('test/'))).toBe(false);
  });
});

describe('package refusals', () => {
  it('refuses a package over the unzipped limit before writing anything', async () => {
    const out = path.join(world.dir, 'too-big.zip');
    await expect(
      buildFunctionPackage({
        arch: 'x86_64',
        out,
        distDir: world.dist.dir,
        limits: { unzippedBytes: 1_000_000 },
      }),
    ).rejects.toThrow(
      /the package unpacks to \d+\.\d MB, over Lambda's 1\.0 MB limit for unzipped code: nothing was uploaded/,
    );
    await expect(fs.stat(out)).rejects.toThrow();
  });

  it("refuses an arm64 package without sharp's arm64 binaries, with the command that fetches them", async () => {
    const installed = await fs
      .stat(path.join(repoRoot, 'node_modules', '@img', 'sharp-linux-arm64'))
      .catch(() => undefined);
    if (installed) return; // this machine has them: nothing to refuse
    await expect(
      buildFunctionPackage({ arch: 'arm64', out: path.join(world.dir, 'arm.zip'), distDir: world.dist.dir }),
    ).rejects.toThrow(
      /sharp's native binaries for linux-arm64 \(@img\/sharp-linux-arm64, @img\/sharp-libvips-linux-arm64\) are not installed.* npm install --prefix DIR --os=linux --cpu=arm64 --libc=glibc sharp@\d+\.\d+\.\d+ and build with --platform-packages DIR$/,
    );
  });

  it('refuses a platform packages folder that does not exist, or holds another version than sharp names', async () => {
    const arm64 = { arch: 'arm64', out: path.join(world.dir, 'arm.zip'), distDir: world.dist.dir } as const;
    const folder = path.join(world.dir, 'platform');
    await expect(buildFunctionPackage({ ...arm64, platformPackages: folder })).rejects.toThrow(
      `the platform packages folder ${folder} does not exist`,
    );
    const fake = path.join(folder, 'node_modules', '@img', 'sharp-linux-arm64');
    await fs.mkdir(fake, { recursive: true });
    await fs.writeFile(
      path.join(fake, 'package.json'),
      JSON.stringify({ name: '@img/sharp-linux-arm64', version: '0.0.1', os: ['linux'], cpu: ['arm64'] }),
    );
    await expect(buildFunctionPackage({ ...arm64, platformPackages: folder })).rejects.toThrow(
      /^a platform package of the wrong version: \S+\/platform\/node_modules\/@img\/sharp-linux-arm64 is @img\/sharp-linux-arm64@0\.0\.1, but sharp@\S+ needs \d+\.\d+\.\d+$/,
    );
    await expect(fs.stat(arm64.out)).rejects.toThrow();
  });
});
