/**
 * An arm64 Linux machine emulated on an x86_64 one, for running the arm64 function package:
 * QEMU's user-mode emulator (Debian qemu-user), Debian's arm64 C and C++ libraries
 * (libc6-arm64-cross, libstdc++6-arm64-cross) as its root for the dynamic loader, and from
 * `.ci/fetch-arm64` (the npm registry, into `.cache/arm64/`) an arm64 Node and sharp's
 * linux-arm64 platform packages.
 *
 * The emulated CPU is a Neoverse N1 (AWS Graviton2, the CPU of arm64 Lambda functions). QEMU's
 * user-mode emulator passes this machine's x86 `/proc/cpuinfo` through, on which ONNX Runtime's
 * CPU detection (cpuinfo) crashes as the library loads; so the loader's root is a folder of its
 * own whose `proc/cpuinfo` describes the emulated CPU (QEMU looks up absolute paths under the
 * `-L` folder first) and whose `lib` is Debian's arm64 libraries.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from './repo-root.js';

/** What runs arm64 code here. */
export interface Arm64Emulation {
  /** `qemu-aarch64`. */
  qemu: string;
  /** The folder holding the arm64 dynamic loader and libraries (`qemu-aarch64 -L`). */
  sysroot: string;
  /** The arm64 Node binary. */
  node: string;
  /** sharp's linux-arm64 platform packages, for `buildFunctionPackage({ platformPackages })`. */
  platformPackages: string;
}

const SYSROOT = '/usr/aarch64-linux-gnu';
const CACHE = path.join(repoRoot, '.cache', 'arm64');

function which(command: string): string | undefined {
  try {
    return execFileSync('which', [command], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The emulation, or what is missing for it (a skip reason). */
export function findArm64Emulation(): Arm64Emulation | { missing: string } {
  if (process.arch !== 'x64') return { missing: `this machine is ${process.arch}, not x86_64` };
  const qemu = which('qemu-aarch64');
  if (!qemu) return { missing: 'qemu-aarch64 is not installed (Debian qemu-user)' };
  if (
    !existsSync(path.join(SYSROOT, 'lib', 'ld-linux-aarch64.so.1')) ||
    !existsSync(path.join(SYSROOT, 'lib', 'libstdc++.so.6'))
  )
    return {
      missing: `no arm64 C/C++ libraries in ${SYSROOT} (Debian libc6-arm64-cross, libstdc++6-arm64-cross)`,
    };
  const node = path.join(CACHE, 'node', 'bin', 'node');
  const platformPackages = path.join(CACHE, 'node_modules');
  const pieces = [
    node,
    ...['sharp-linux-arm64', 'sharp-libvips-linux-arm64'].map((p) =>
      path.join(platformPackages, '@img', p, 'package.json'),
    ),
  ];
  const absent = pieces.filter((p) => !existsSync(p));
  if (absent.length > 0)
    return {
      missing: `${absent.map((p) => path.relative(repoRoot, p)).join(', ')} absent (run .ci/fetch-arm64)`,
    };
  return { qemu, sysroot: SYSROOT, node, platformPackages };
}

/** QEMU's model of the emulated CPU. */
const QEMU_CPU = 'neoverse-n1';

/** `/proc/cpuinfo` of a Neoverse N1 with one entry per processor this machine can have (as in `/sys`). */
function neoverseN1CpuInfo(): string {
  const possible = readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim();
  const last = Number(/(\d+)$/.exec(possible)?.[1] ?? 0);
  const processor = (i: number) =>
    [
      `processor\t: ${i}`,
      'BogoMIPS\t: 243.75',
      'Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp ssbs',
      'CPU implementer\t: 0x41',
      'CPU architecture: 8',
      'CPU variant\t: 0x3',
      'CPU part\t: 0xd0c',
      'CPU revision\t: 1',
      '',
    ].join('\n');
  return `${Array.from({ length: last + 1 }, (_, i) => processor(i)).join('\n')}\n`;
}

/** Makes the emulated machine's root in `dir` (see the file's comment); returns `dir`. */
export async function makeArm64Root(emulation: Arm64Emulation, dir: string): Promise<string> {
  await fs.mkdir(path.join(dir, 'proc'), { recursive: true });
  await fs.symlink(path.join(emulation.sysroot, 'lib'), path.join(dir, 'lib'));
  await fs.writeFile(path.join(dir, 'proc', 'cpuinfo'), neoverseN1CpuInfo());
  return dir;
}

/** The command line that runs `args` with the emulated arm64 Node, its root made by `makeArm64Root`. */
export function arm64NodeCommand(
  emulation: Arm64Emulation,
  root: string,
  args: string[],
): [string, string[]] {
  return [emulation.qemu, ['-cpu', QEMU_CPU, '-L', root, emulation.node, ...args]];
}
