import { defineConfig } from "vitest/config";

// Two projects: the packages' own tests, and the repository's (test/: the packed packages in a
// consumer project, the docs' snippets). `npx vitest run` runs both; scripts/test.mjs runs the
// repository's after the packages', so their installs and type-checks do not compete with the
// packages' timed tests for the two cores.
export default defineConfig({
  test: {
    // Setup hooks that build archives start several CLI processes: give them room on a busy
    // two-core machine (tests keep vitest's own 5 s default or say their own).
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: "packages", include: ["packages/*/test/**/*.test.ts"] } },
      { extends: true, test: { name: "repo", include: ["test/**/*.test.ts"] } },
    ],
  },
});
