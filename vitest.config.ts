import { defineConfig } from 'vitest/config';

// Race tests need both cores of a 2-core machine for their own threads, so test files run one
// at a time. Tests import the compiled package in dist/, the same files piscina loads.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
