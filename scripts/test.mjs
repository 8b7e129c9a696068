// Runs every test suite and prints one closing line, "N passed, N failed":
// - all packages' tests with vitest on Node;
// - the tests of the runtime-neutral packages again with vitest inside Deno and with Bun's
//   own test runner (which maps `vitest` imports to `bun:test`), against the built dist;
// - the browser suite (tests/browser): those packages' tests again in headless Chromium, and
//   the viewer page driven by Playwright (needs /usr/bin/chromium: .ci/run installs it).
// Exits 1 if any test failed or any runner did not report. Expects `npm run build` first.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

/** Packages whose tests must pass unchanged in Deno and Bun (no file system in their code). */
const PORTABLE_PACKAGES = [
  "packages/ogg-pages",
  "packages/byte-source",
  "packages/opus-index",
  "packages/extract",
  "packages/zarr-opus",
  "packages/encode",
  "packages/resample",
  "packages/labels",
  "packages/spectrogram",
  "packages/timeline",
];
const VITEST_VERSION = JSON.parse(readFileSync("node_modules/vitest/package.json", "utf8")).version;
const OUT = ".test-results";

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT);

function run(label, command, args, options = {}) {
  console.log(`\n=== ${label}: ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { stdio: "inherit", ...options });
  return result.status;
}

/** Counts from vitest's JSON reporter file, or null if it wrote none. */
function vitestCounts(file) {
  if (!existsSync(file)) return null;
  const report = JSON.parse(readFileSync(file, "utf8"));
  // Files that failed to load count as failures too, not as zero tests.
  const brokenFiles = report.testResults.filter((r) => r.status === "failed" && r.assertionResults.length === 0).length;
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests + brokenFiles,
    skipped: report.numPendingTests + report.numTodoTests,
  };
}

/** Counts from Bun's JUnit report. */
function bunCounts(file) {
  if (!existsSync(file)) return null;
  const xml = readFileSync(file, "utf8");
  const root = xml.match(/<testsuites[^>]*>/)?.[0] ?? "";
  const attribute = (name) => Number(root.match(new RegExp(`\\b${name}="(\\d+)"`))?.[1] ?? Number.NaN);
  const tests = attribute("tests");
  // An error outside a test (a file that fails to load) is a failure too, when the report counts it.
  const errors = Number.isNaN(attribute("errors")) ? 0 : attribute("errors");
  const failures = attribute("failures");
  const skipped = attribute("skipped");
  if (Number.isNaN(tests)) return null;
  return { passed: tests - failures - skipped, failed: failures + errors, skipped };
}

const suites = [];

const nodeJson = join(OUT, "node.json");
const nodeStatus = run("Node", "npx", [
  "vitest",
  "run",
  "--project=packages",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${nodeJson}`,
]);
suites.push({ name: `node ${process.version}`, status: nodeStatus, counts: vitestCounts(nodeJson) });

// The repository's tests (test/: the packed packages in a fresh consumer project, the docs'
// snippets), after the packages' so that their installs and type-checks run alone.
const repoJson = join(OUT, "repo.json");
const repoStatus = run("Repository (consumer project, docs' snippets)", "npx", [
  "vitest",
  "run",
  "--project=repo",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${repoJson}`,
]);
suites.push({ name: "repository (test/)", status: repoStatus, counts: vitestCounts(repoJson) });

for (const dir of PORTABLE_PACKAGES) {
  const denoJson = join(OUT, `deno-${dir.replaceAll("/", "-")}.json`);
  const denoStatus = run(`Deno (${dir})`, "npx", [
    "deno",
    "run",
    "-A",
    `npm:vitest@${VITEST_VERSION}`,
    "run",
    dir,
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${denoJson}`,
  ]);
  suites.push({ name: `deno (${dir})`, status: denoStatus, counts: vitestCounts(denoJson) });

  const bunXml = join(process.cwd(), OUT, `bun-${dir.replaceAll("/", "-")}.xml`);
  const bunStatus = run(
    `Bun (${dir})`,
    "npx",
    ["bun", "test", "--reporter=junit", `--reporter-outfile=${bunXml}`, "test/"],
    {
      cwd: dir,
    },
  );
  suites.push({ name: `bun (${dir})`, status: bunStatus, counts: bunCounts(bunXml) });
}

// The browser suite. A browser that cannot start fails the suite (no report, or failed files).
const browserJson = join(OUT, "browser.json");
function missingChromium() {
  console.log("\n=== Chromium (tests/browser): /usr/bin/chromium is missing (apt-get install -y chromium)");
  return 1;
}
const browserStatus = existsSync("/usr/bin/chromium")
  ? run("Chromium (tests/browser)", "npx", [
      "vitest",
      "run",
      "--config",
      "tests/browser/vitest.config.ts",
      "--reporter=default",
      "--reporter=json",
      `--outputFile.json=${browserJson}`,
    ])
  : missingChromium();
suites.push({ name: "chromium (tests/browser)", status: browserStatus, counts: vitestCounts(browserJson) });

let passed = 0;
let failed = 0;
let skipped = 0;
console.log("\n=== Summary");
for (const suite of suites) {
  if (suite.counts === null) {
    console.log(`${suite.name}: runner exited ${suite.status} without a report`);
    failed += 1;
    continue;
  }
  const { counts } = suite;
  // A runner that failed without a failing test (a crash, an unhandled error) still fails the run.
  const extra = suite.status !== 0 && counts.failed === 0 ? 1 : 0;
  console.log(`${suite.name}: ${counts.passed} passed, ${counts.failed + extra} failed, ${counts.skipped} skipped`);
  passed += counts.passed;
  failed += counts.failed + extra;
  skipped += counts.skipped;
}
if (passed === 0) failed += 1; // a run that tested nothing is not a pass
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 ? 1 : 0);
