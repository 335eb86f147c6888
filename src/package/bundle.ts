/**
 * The function's JavaScript, bundled with esbuild from the compiled code (`dist/`): one ES module
 * for the Lambda handler and one for each module the function starts by path in a worker thread.
 * Every dependency is inlined except the native packages ({@link NATIVE_PACKAGES}), which the
 * package copies as installed.
 *
 * Each bundle is written at the path its entry module has in `dist/`, and each module inside a
 * bundle keeps the `import.meta.url` it has in `dist/`. So whatever our code finds relative to
 * its own file (`new URL('../../proto/dispatcher.proto', import.meta.url)`, the inference thread
 * started as `./inference-thread.js` next to the pool) resolves in the package exactly as it does
 * in `dist/`.
 *
 * What the function imports only for some payloads (`await import()`: the dispatcher client with
 * gRPC and protobufjs, the S3 store with the AWS SDK) goes into chunks beside its entry's bundle
 * (`<entry>-chunk-<hash>.js`, esbuild's code splitting), so that a cold start does not even parse
 * it until a payload needs it.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { UserError } from '../errors.js';

/** Packages with native code: never bundled, copied into the package for the target instead. */
export const NATIVE_PACKAGES: readonly string[] = ['onnxruntime-node', 'sharp'];

/** The Lambda handler module, relative to `dist/`. */
export const HANDLER_ENTRY = 'worker/entry/lambda.js';

/**
 * Modules the function loads by path in `worker_threads` (relative to `dist/`): they are not
 * reached by imports, so each gets its own bundle. See `worker/pool-thread.ts`.
 */
export const THREAD_ENTRIES: readonly string[] = ['worker/inference-thread.js'];

/** One bundled file, at its path inside `dist/`. */
export interface BundledFile {
  /** Path relative to `dist/`, `/`-separated. */
  distPath: string;
  bytes: Buffer;
}

export interface FunctionBundle {
  files: BundledFile[];
  /** npm packages inlined into the bundles (the names, sorted). */
  inlinedPackages: string[];
}

/** CommonJS dependencies inside an ES module bundle call `require` for Node's built-ins. */
const REQUIRE_BANNER =
  "import { createRequire as __obifaasCreateRequire } from 'node:module'; const require = __obifaasCreateRequire(import.meta.url);";

/** The npm package a bundled input belongs to (`node_modules/@a/b/x.js` gives `@a/b`): its last `node_modules`. */
export function packageNameOf(input: string): string | undefined {
  const marker = 'node_modules/';
  const at = input.lastIndexOf(marker);
  if (at < 0 || (at > 0 && input[at - 1] !== '/')) return undefined;
  const parts = input.slice(at + marker.length).split('/');
  const scoped = parts[0]?.startsWith('@') ?? false;
  const nameParts = scoped ? 2 : 1;
  if (parts.length <= nameParts) return undefined; // a folder, not a file in a package
  return parts.slice(0, nameParts).join('/');
}

/**
 * esbuild plugin: in our compiled modules, `import.meta.url` becomes the URL the module has in
 * `dist/`, computed from the bundle's own URL at run time.
 */
function keepModuleUrls(distDir: string, outFile: string): esbuild.Plugin {
  const prefix = distDir + path.sep;
  return {
    name: 'obifaas-keep-module-urls',
    setup(build) {
      build.onLoad({ filter: /\.js$/ }, async (args) => {
        if (!args.path.startsWith(prefix)) return undefined;
        const text = await fs.readFile(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return undefined;
        const relative = path.relative(path.dirname(outFile), args.path).split(path.sep).join('/');
        const url = `new URL(${JSON.stringify(relative)}, import.meta.url).href`;
        return { contents: text.replaceAll('import.meta.url', url), loader: 'js' };
      });
    },
  };
}

async function bundleEntry(
  root: string,
  distDir: string,
  entry: string,
): Promise<{ files: BundledFile[]; inputs: string[] }> {
  const entryFile = path.join(distDir, ...entry.split('/'));
  if (!(await fs.stat(entryFile).catch(() => undefined))?.isFile()) {
    throw new UserError(`compiled code not found (${entryFile}): run 'npm run build' first`);
  }
  // Where the bundle would lie if written: next to the entry, so relative URLs come out right.
  // Its chunks lie in the same folder, so the same relative URLs hold inside them.
  const outFile = entryFile;
  const name = path.basename(entryFile, '.js');
  const result = await esbuild
    .build({
      entryPoints: { [name]: entryFile },
      outdir: path.dirname(outFile),
      splitting: true,
      chunkNames: `${name}-chunk-[hash]`,
      write: false,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: [...NATIVE_PACKAGES],
      // Compiled code outside the installation (a test's fresh compile) imports its packages.
      nodePaths: [path.join(root, 'node_modules')],
      banner: { js: REQUIRE_BANNER },
      // Readable stack traces: identifiers keep their names; whitespace and syntax are minified.
      minifyWhitespace: true,
      minifySyntax: true,
      legalComments: 'none',
      metafile: true,
      logLevel: 'silent',
      plugins: [keepModuleUrls(distDir, outFile)],
    })
    .catch((err: unknown) => {
      const errors = (err as { errors?: esbuild.Message[] }).errors ?? [];
      const detail = errors.map((e) => `${e.location?.file ?? ''}: ${e.text}`).join('; ');
      throw new UserError(`bundling ${entry} failed: ${detail || String(err)}`, { cause: err });
    });
  if (!result.outputFiles.some((o) => o.path === outFile))
    throw new Error(`esbuild wrote no output for ${entry}`);
  return {
    files: result.outputFiles.map((o) => ({
      distPath: path.relative(distDir, o.path).split(path.sep).join('/'),
      bytes: Buffer.from(o.contents),
    })),
    inputs: Object.keys(result.metafile.inputs),
  };
}

/**
 * Bundles the handler and the thread entries of the compiled code in `distDir`, with the
 * packages installed at `root`.
 */
export async function bundleFunction(root: string, distDir: string): Promise<FunctionBundle> {
  const files: BundledFile[] = [];
  const inlined = new Set<string>();
  for (const entry of [HANDLER_ENTRY, ...THREAD_ENTRIES]) {
    const bundled = await bundleEntry(path.resolve(root), path.resolve(distDir), entry);
    files.push(...bundled.files);
    for (const input of bundled.inputs) {
      const name = packageNameOf(input);
      if (name) inlined.add(name);
    }
  }
  return { files, inlinedPackages: [...inlined].sort() };
}

/** A static import between bundle files: esbuild writes `from"./x.js"` or `import"./x.js"`. */
const STATIC_CHUNK_IMPORT = /(?:\bfrom|\bimport)\s*"\.\/([\w-]+\.js)"/g;

/**
 * The files Node loads when it imports `entry` (a `distPath`): the entry's bundle and the chunks
 * it imports statically, transitively. The chunks left out load only when a payload's
 * `await import()` asks for them.
 */
export function loadedAtInit(files: readonly BundledFile[], entry: string): BundledFile[] {
  const byPath = new Map(files.map((f) => [f.distPath, f]));
  const folder = path.posix.dirname(entry);
  const loaded = new Map<string, BundledFile>();
  const queue = [entry];
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    const file = byPath.get(next);
    if (file === undefined || loaded.has(next)) continue;
    loaded.set(next, file);
    for (const [, chunk] of file.bytes.toString('utf8').matchAll(STATIC_CHUNK_IMPORT))
      queue.push(path.posix.join(folder, chunk as string));
  }
  return [...loaded.values()];
}
