import { defineConfig } from 'vitest/config';

/**
 * Three suites, run one at a time by scripts/test.sh (`vitest run --project NAME`):
 * unit (pure, no root), netns (root, namespaces on this machine), kernel (inside the kernel lab VM).
 * The netns and kernel suites have a global setup that fails the run, with the reason, when the
 * suite cannot run here: nothing is skipped silently.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    passWithNoTests: false,
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        test: {
          name: 'netns',
          include: ['test/netns/**/*.test.ts'],
          globalSetup: ['test/netns/global-setup.ts'],
          // One file at a time: the machine has 2 cores and tests measure timings.
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
      {
        test: {
          name: 'kernel',
          include: ['test/kernel/**/*.test.ts'],
          globalSetup: ['test/kernel/global-setup.ts'],
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
