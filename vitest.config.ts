// Test runner config: every suite under test/, plus the closing "N passed, N failed" line CI reads.
import os from 'node:os'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    // Two test files at a time even on CI's two cores (vitest's default there is one): much of the suite waits on
    // child processes, servers, the network mocks and polls, and a second file fills that time. No two files share a
    // port, a data directory or a temp file, and the shared caches lock (test/support/testCache.ts). Measured on a
    // shared 2-core machine (load 4–8 from other work), cold caches: 1048 s for the suite, its files' own times
    // adding up to 1474 s of tests plus 553 s of imports — what one worker would run one after the other.
    maxWorkers: Math.max(2, os.availableParallelism() - 1),
    // a sibling file may take half the CPU a test had alone
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: { TZ: 'UTC' },
  },
})
