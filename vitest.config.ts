import { defineConfig } from 'vitest/config';

/**
 * Unit tests: pure logic and single components, next to the code. Two files at a time (vitest
 * would use one on a 2-core machine): a file's time is mostly starting its process and
 * importing its modules, on one core.
 */
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'bench/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
