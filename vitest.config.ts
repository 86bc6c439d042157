import { defineConfig } from 'vitest/config';

/**
 * Three suites, run one at a time by scripts/test.sh (`vitest run --project NAME`):
 * unit (pure, no root), netns (root, namespaces on this machine), kernel (inside the kernel lab VM).
 * The netns and kernel suites have a global setup that fails the run, with the reason, when the
 * suite cannot run here: nothing is skipped silently.
 * Inline projects do not inherit the root's timeouts in vitest 3, so each sets its own.
 */
const oneFileAtATime = { pool: 'forks', poolOptions: { forks: { singleFork: true } } } as const;

export default defineConfig({
  test: {
    passWithNoTests: false,
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 60_000 } },
      {
        test: {
          name: 'netns',
          include: ['test/netns/**/*.test.ts'],
          globalSetup: ['test/netns/global-setup.ts'],
          // One file at a time: the machine has 2 cores and tests measure timings.
          ...oneFileAtATime,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'kernel',
          include: ['test/kernel/**/*.test.ts'],
          // The lvsadm-vs-ipvsadm conformance run is a suite of its own (`conformance`, below): it takes
          // most of a boot's time, so the test runner gives it a boot of its own.
          exclude: ['test/kernel/lvsadm-conformance*.test.ts', '**/node_modules/**'],
          globalSetup: ['test/kernel/global-setup.ts'],
          // Under TCG the guest runs code 10-20x slower than the host.
          ...oneFileAtATime,
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'conformance',
          include: ['test/kernel/lvsadm-conformance*.test.ts'],
          globalSetup: ['test/kernel/global-setup.ts'],
          ...oneFileAtATime,
          testTimeout: 2_400_000,
          hookTimeout: 2_400_000,
        },
      },
    ],
  },
});
