// Fails the run when a test was skipped and ASSORT_TEST_NO_SKIP=1 (what .ci/run sets): in CI, where
// PostgreSQL and Redis are installed, every test must run; on a fresh machine without them the tests that
// need them skip (saying why) and `npm test` still passes.
import type { Reporter, TestCase, TestModule } from "vitest/node";

export default class NoSkipReporter implements Reporter {
  private readonly skipped: string[] = [];

  onTestCaseResult(test: TestCase): void {
    if (test.result().state === "skipped") this.skipped.push(`${test.module.moduleId.replace(process.cwd() + "/", "")} > ${test.fullName}`);
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>): void {
    if (process.env.ASSORT_TEST_NO_SKIP !== "1" || this.skipped.length === 0) return;
    process.stderr.write(`\nASSORT_TEST_NO_SKIP=1: ${this.skipped.length} test(s) skipped, which fails the run:\n${this.skipped.map((s) => `  - ${s}`).join("\n")}\n`);
    process.exitCode = 1;
  }
}
