import { defineConfig } from "vitest/config";

// Two projects: the packages' own tests, and the repository's (test/: the packed packages in a
// consumer project, the docs' snippets). `npx vitest run` runs both; scripts/test.mjs runs the
// repository's after the packages', so their installs and type-checks do not compete with the
// packages' timed tests for the two cores.
export default defineConfig({
  test: {
    // Tests and setup hooks that start CLI processes wait on a busy two-core machine: give
    // them room (speed is measured by the benchmarks, never by timeouts).
    hookTimeout: 60_000,
    testTimeout: 30_000,
    projects: [
      { extends: true, test: { name: "packages", include: ["packages/*/test/**/*.test.ts"] } },
      { extends: true, test: { name: "repo", include: ["test/**/*.test.ts"] } },
    ],
  },
});
