import { defineConfig } from 'vitest/config';

/**
 * Integration tests: real child processes, servers and ONNX sessions on loopback; and the
 * adversarial tests, which try hostile and broken input against the same real parts.
 */
export default defineConfig({
  test: {
    include: ['test/integration/**/*.test.ts', 'test/adversarial/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
});
