import { describe, expect, it } from 'vitest';
import { packageNameOf } from './bundle.js';
import { keepPackageFile, type TargetPlatform } from './native.js';

const x64: TargetPlatform = { os: 'linux', cpu: 'x64', libc: 'glibc' };
const arm64: TargetPlatform = { os: 'linux', cpu: 'arm64', libc: 'glibc' };

describe('keepPackageFile', () => {
  it("keeps only the target's onnxruntime-node binaries", () => {
    const binding = 'bin/napi-v6/linux/x64/onnxruntime_binding.node';
    expect(keepPackageFile('onnxruntime-node', binding, x64)).toBe(true);
    expect(keepPackageFile('onnxruntime-node', binding, arm64)).toBe(false);
    expect(
      keepPackageFile('onnxruntime-node', 'bin/napi-v6/darwin/arm64/libonnxruntime.1.dylib', arm64),
    ).toBe(false);
    expect(keepPackageFile('onnxruntime-node', 'bin/napi-v6/win32/x64/onnxruntime.dll', x64)).toBe(false);
    expect(keepPackageFile('onnxruntime-node', 'dist/index.js', x64)).toBe(true);
  });

  it('leaves out the GPU execution providers, which Lambda cannot use', () => {
    for (const lib of ['cuda', 'tensorrt', 'shared'])
      expect(
        keepPackageFile('onnxruntime-node', `bin/napi-v6/linux/x64/libonnxruntime_providers_${lib}.so`, x64),
      ).toBe(false);
    expect(keepPackageFile('onnxruntime-node', 'bin/napi-v6/linux/x64/libonnxruntime.so.1', x64)).toBe(true);
  });

  it('keeps every file of other packages (their platform is chosen by package)', () => {
    expect(keepPackageFile('sharp', 'bin/napi-v6/win32/x64/x.node', x64)).toBe(true);
  });
});

describe('packageNameOf', () => {
  it('names the package an esbuild input lies in, scoped or nested', () => {
    expect(packageNameOf('node_modules/zod/v4/index.js')).toBe('zod');
    expect(packageNameOf('node_modules/@aws-sdk/client-s3/dist-cjs/index.js')).toBe('@aws-sdk/client-s3');
    expect(packageNameOf('../../main/node_modules/sharp/node_modules/semver/index.js')).toBe('semver');
    expect(packageNameOf('dist/worker/handler.js')).toBeUndefined();
    expect(packageNameOf('<stdin>')).toBeUndefined();
  });
});
