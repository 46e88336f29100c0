// Prints the plain "N passed, N failed, N skipped" closing line that CI reads (vitest's own summary differs).
import type { Reporter, TestModule } from 'vitest/node'

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>) {
    const counts = { passed: 0, failed: 0, skipped: 0, pending: 0 }
    for (const module of modules) for (const test of module.children.allTests()) counts[test.result().state]++
    // A module that failed to load has no tests but is still a failure.
    const brokenModules = modules.filter((m) => m.state() === 'failed' && m.children.size === 0).length
    console.log(
      `${counts.passed} passed, ${counts.failed + brokenModules} failed, ${counts.skipped + counts.pending} skipped`,
    )
  }
}
