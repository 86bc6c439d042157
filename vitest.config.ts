import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules', 'dist'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each suite (test/unit, test/netns, test/kernel) is run on its own by scripts/test.sh.
    passWithNoTests: false,
  },
});
