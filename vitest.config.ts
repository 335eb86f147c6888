import { defineConfig } from 'vitest/config';

/** Unit tests: pure logic and single components, next to the code. */
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
