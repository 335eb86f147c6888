import { defineConfig } from 'vitest/config';

/**
 * Files that compare a duration measured in one phase with one measured in another (a CPR
 * prediction against a run, the simulator against a replay): a second file running beside
 * them would change the load between the phases, so they run last, one at a time.
 */
const ALONE = ['test/integration/cpr-e2e.test.ts', 'test/integration/replay-sim-agreement.test.ts'];

const shared = { testTimeout: 180_000, hookTimeout: 180_000, pool: 'forks' } as const;

/**
 * Integration tests: real child processes, servers and ONNX sessions on loopback; and the
 * adversarial tests, which try hostile and broken input against the same real parts.
 *
 * Two files run at a time: most of their time is spent waiting on child processes and
 * servers, every file works in its own temporary folders and OBIFAAS_HOME (or the model cache,
 * which two processes may fill at once: test/integration/model-cache.test.ts), and every server
 * listens on a port the system picks.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/adversarial/**/*.test.ts'],
          exclude: ALONE,
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          ...shared,
          name: 'alone',
          include: ALONE,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
