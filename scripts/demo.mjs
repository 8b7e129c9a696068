// The README's main job on the bundled example, through the real `granule` command: import the
// recording into a fresh archive, list it, extract the segments of examples/segments.csv as
// WAV files, cut a stream-copy clip, and say what was done and how long each step took.
// Output goes to demo-output/ (git ignores it); run with `npm run demo` (which builds first).
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = fileURLToPath(new URL("../packages/cli/bin/granule.js", import.meta.url));
// Relative to the repository root, where every step runs.
const out = "demo-output";
const archive = `${out}/archive.zarr`;
rmSync(`${root}${out}`, { recursive: true, force: true });
mkdirSync(`${root}${out}`, { recursive: true });

function granule(label, args) {
  const started = performance.now();
  const run = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: "utf8" });
  const ms = performance.now() - started;
  console.log(`\n$ granule ${args.join(" ")}    (${label}: ${ms.toFixed(0)} ms, whole process)`);
  process.stdout.write(run.stdout);
  process.stderr.write(run.stderr);
  if (run.status !== 0) {
    console.error(`demo: granule ${args[0]} exited ${run.status}`);
    process.exit(1);
  }
  return run.stdout;
}

granule("import", [
  "import",
  "examples/dawn-chorus.opus",
  "--archive",
  archive,
  "--recorded-at",
  "2024-05-01T05:30:00Z",
  "--device",
  "demo-recorder",
  "--meta",
  "site=example-marsh",
]);
granule("list", ["ls", archive]);
granule("info", ["info", `${archive}/000001`]);
granule("extract", [
  "extract",
  `${archive}/000001`,
  "--segments",
  "examples/segments.csv",
  "--out-dir",
  `${out}/segments`,
]);
granule("clip", ["clip", `${archive}/000001`, "--start", "8.5", "--end", "10", "-o", `${out}/two-note-call.opus`]);
granule("verify", ["verify", archive]);

console.log(`\nwrote to ${out}:`);
for (const name of readdirSync(`${root}${out}/segments`).sort()) {
  console.log(`  segments/${name}  ${statSync(`${root}${out}/segments/${name}`).size} bytes`);
}
console.log(
  `  two-note-call.opus  ${statSync(`${root}${out}/two-note-call.opus`).size} bytes (plays in any Opus player)`,
);
