/**
 * Decode benchmark: the CPU each image costs in `cropRgb` (decode, orient, convert, resize and
 * crop; preset `imagenet`), over the worker benchmark's 256 generated JPEGs and the 100 photos
 * of `shared/fixtures/imagenet`, one image at a time and at the pipeline's preprocess
 * concurrencies, in interleaved rounds after a warm-up; medians. CPU is `process.cpuUsage()`
 * (every thread of the process: the main thread, libuv's pool, libvips' workers); the CPU of
 * each kind of thread comes from `/proc/self/task/<tid>/stat`.
 *
 * First it checks that every image of both sets, and variants of a few photos that take the
 * decoder's other paths, decode under every preset to the same bytes as recorded in
 * `bench/decode-reference.json` (`--write-reference` records the current code's instead).
 *
 * Writes bench/results/decode.json.
 *
 * `--rounds 0` checks only.
 *
 *   npm run bench:decode [-- --rounds 5 --concurrency 1,2,4 --photos DIR --write-reference]
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { generateDataset } from '../src/dataset/generate.js';
import { obifaasHome } from '../src/util/paths.js';
import { defaultPipelineConfig } from '../src/worker/defaults.js';
import { cropRgb, imagenetAt } from '../src/worker/preprocess.js';
import {
  compareWithReference,
  outputHashes,
  readFolder,
  variantsOf,
  type DecodeReference,
  type ImageSet,
} from './decode-images.js';
import { threadCpuMs } from './thread-cpu.js';
import { cpuMs, machineReport, median } from './machine.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const referenceFile = path.join(here, 'decode-reference.json');

interface Options {
  rounds: number;
  concurrency: number[];
  photos: string;
  writeReference: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    rounds: 5,
    concurrency: [...new Set([1, 2, defaultPipelineConfig().preprocess.concurrency])],
    photos: path.resolve(here, '..', '..', 'shared', 'fixtures', 'imagenet', 'images'),
    writeReference: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1] ?? ''];
    if (flag === '--write-reference') {
      options.writeReference = true;
      continue;
    }
    i++;
    if (flag === '--rounds') options.rounds = Number(value);
    else if (flag === '--concurrency') options.concurrency = value.split(',').map(Number);
    else if (flag === '--photos') options.photos = value;
    else
      throw new Error(
        `unknown flag ${flag} (use --rounds N, --concurrency 1,2,4, --photos DIR, --write-reference)`,
      );
  }
  return options;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

async function benchSet(): Promise<ImageSet> {
  const dir = path.join(obifaasHome(), 'bench', 'worker-dataset-seed1-256');
  let files = await readFolder(path.join(dir, 'images'));
  if (!files) {
    console.log(`generating 256 images in ${dir} ...`);
    await generateDataset({ count: 256, outDir: dir, seed: 1 });
    files = (await readFolder(path.join(dir, 'images'))) ?? [];
  }
  return { name: 'generated', files };
}

/** One pass of `cropRgb` over `files`, `concurrency` images at a time. */
async function pass(files: Buffer[], concurrency: number): Promise<{ cpuMs: number; wallMs: number }> {
  const p = imagenetAt({ width: 224, height: 224 });
  let next = 0;
  const t0 = performance.now();
  const c0 = cpuMs();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < files.length) await cropRgb(files[next++] as Buffer, p);
    }),
  );
  return { cpuMs: cpuMs() - c0, wallMs: performance.now() - t0 };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const loadBefore = os.loadavg();
  const photos = await readFolder(options.photos);
  if (!photos) throw new Error(`no photos at ${options.photos} (use --photos DIR)`);
  const sets: ImageSet[] = [await benchSet(), { name: 'photos', files: photos }];
  const checked = [...sets, { name: 'variants', files: await variantsOf(photos.slice(0, 4)) }];

  if (options.writeReference) {
    await fs.writeFile(referenceFile, `${JSON.stringify(await outputHashes(checked), null, 2)}\n`);
    console.log(`reference written to ${path.relative(process.cwd(), referenceFile)}`);
  }
  const reference = JSON.parse(await fs.readFile(referenceFile, 'utf8')) as DecodeReference;
  const identity = await compareWithReference(checked, reference);
  console.log(`same bytes as the reference: ${JSON.stringify(identity)}`);
  const differ = Object.values(identity).reduce((n, c) => n + c.differ, 0);
  if (differ > 0) throw new Error(`${differ} images decode to other bytes than the reference`);

  if (options.rounds === 0) return; // the check only

  for (const set of sets) await pass(set.files, 1); // warm-up
  const runs: Record<string, { cpuMsPerImage: number[]; imagesPerSec: number[] }> = {};
  const threads: Record<string, number> = {};
  for (let r = 0; r < options.rounds; r++) {
    for (const concurrency of options.concurrency) {
      for (const set of sets) {
        const t0 = concurrency === 1 ? threadCpuMs() : null;
        const { cpuMs, wallMs } = await pass(set.files, concurrency);
        if (t0) {
          for (const [kind, ms] of Object.entries(threadCpuMs()))
            threads[`${set.name} ${kind}`] = (threads[`${set.name} ${kind}`] ?? 0) + ms - (t0[kind] ?? 0);
        }
        const run = (runs[`${set.name} x${concurrency}`] ??= { cpuMsPerImage: [], imagesPerSec: [] });
        run.cpuMsPerImage.push(cpuMs / set.files.length);
        run.imagesPerSec.push(set.files.length / (wallMs / 1000));
      }
    }
  }
  const results = Object.fromEntries(
    Object.entries(runs).map(([key, run]) => [
      key,
      {
        cpuMsPerImage: round3(median(run.cpuMsPerImage)),
        imagesPerSec: round3(median(run.imagesPerSec)),
        cpuMsPerImageRounds: run.cpuMsPerImage.map(round3),
      },
    ]),
  );
  for (const [key, r] of Object.entries(results))
    console.log(
      `${key.padEnd(16)} ${r.cpuMsPerImage.toFixed(3)} CPU ms/image  ${r.imagesPerSec.toFixed(1)} images/s`,
    );
  const perThread: Record<string, number> = {};
  for (const [key, ms] of Object.entries(threads)) {
    const set = sets.find((s) => key.startsWith(`${s.name} `)) as ImageSet;
    perThread[key] = round3(ms / options.rounds / set.files.length);
  }
  console.log(`CPU ms per image by thread, one at a time: ${JSON.stringify(perThread)}`);

  const report = {
    benchmark: 'decode',
    date: new Date().toISOString(),
    machine: {
      ...(await machineReport(loadBefore)),
      sharp: sharp.versions.sharp,
      libvips: sharp.versions.vips,
    },
    images: Object.fromEntries(sets.map((s) => [s.name, s.files.length])),
    sameBytesAsReference: identity,
    rounds: options.rounds,
    results,
    cpuMsPerImageByThreadOneAtATime: perThread,
  };
  await fs.mkdir(path.join(here, 'results'), { recursive: true });
  await fs.writeFile(path.join(here, 'results', 'decode.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log('written to bench/results/decode.json');
}

await main();
