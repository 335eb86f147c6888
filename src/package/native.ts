/**
 * Native binaries in a function package: which files of a package to keep for the target
 * (onnxruntime-node ships every platform's libraries in one package), and a check of each
 * kept binary's ELF header, so that a package never holds code for another machine.
 */
import fs from 'node:fs/promises';

/** The machine a package is built for. */
export interface TargetPlatform {
  os: 'linux';
  /** Node's name for the CPU: `x64` or `arm64`. */
  cpu: 'x64' | 'arm64';
  libc: 'glibc';
}

/** Extensions of native code. */
const NATIVE = /\.(node|so(\.\d+)*|dylib|dll|exe)$/i;

export function isNativeFile(relPath: string): boolean {
  return NATIVE.test(relPath);
}

/** ONNX Runtime's GPU execution providers (fetched by its install script when allowed): Lambda has no GPU. */
const GPU_PROVIDER = /^libonnxruntime_providers_(cuda|tensorrt|shared)\.so/;

/**
 * Whether a file of package `name` (path relative to the package, `/`-separated) belongs in a
 * package for `target`. onnxruntime-node: of `bin/napi-v*<os>/<cpu>/`, only the target's, and
 * no GPU providers.
 */
export function keepPackageFile(name: string, relPath: string, target: TargetPlatform): boolean {
  if (name === 'onnxruntime-node') {
    const m = /^bin\/napi-v\d+\/([^/]+)\/([^/]+)\/(?:.*\/)?([^/]+)$/.exec(relPath);
    if (m) return m[1] === target.os && m[2] === target.cpu && !GPU_PROVIDER.test(m[3]!);
  }
  return true;
}

/** ELF `e_machine` values of the CPUs we build for. */
const ELF_MACHINE: Record<TargetPlatform['cpu'], number> = { x64: 0x3e, arm64: 0xb7 };
const MACHINE_NAMES: Record<number, string> = { 0x3e: 'x86_64', 0xb7: 'aarch64', 0x03: 'x86', 0x28: 'arm' };

/**
 * Why a native file cannot run on `target` (not ELF, or built for another CPU), or undefined
 * when it can.
 */
export async function foreignBinaryReason(file: string, target: TargetPlatform): Promise<string | undefined> {
  const handle = await fs.open(file, 'r');
  try {
    const header = Buffer.alloc(20);
    const { bytesRead } = await handle.read(header, 0, 20, 0);
    if (bytesRead < 20 || header.readUInt32BE(0) !== 0x7f454c46) return 'not a Linux (ELF) binary';
    const littleEndian = header[5] === 1;
    const machine = littleEndian ? header.readUInt16LE(18) : header.readUInt16BE(18);
    if (machine !== ELF_MACHINE[target.cpu]) {
      return `built for ${MACHINE_NAMES[machine] ?? `machine ${machine}`}, not ${target.cpu === 'x64' ? 'x86_64' : 'aarch64'}`;
    }
    return undefined;
  } finally {
    await handle.close();
  }
}
