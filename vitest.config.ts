import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // ASSORT_TEST_NO_SKIP=1 (CI) turns any skipped test into a failed run.
    reporters: ["default", "./test/support/no-skip-reporter.ts"],
    projects: [
      { extends: true, test: { name: "unit", include: ["src/**/*.test.ts", "test/**/*.test.ts"], exclude: ["test/faults/**"] } },
      // The fault tests stop and start PostgreSQL and Redis: they run alone, after everything else, one file at a time.
      { extends: true, test: { name: "faults", include: ["test/faults/**/*.test.ts"], fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
