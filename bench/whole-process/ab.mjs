// Alternating A/B runs of whole commands, for judging one change on a noisy machine:
//   node bench/whole-process/ab.mjs [--prepare "shell command"] RUNS name=command name=command ...
// One untimed warm-up round, then RUNS rounds, the order reversed every other round; each
// command runs under GNU time (`/usr/bin/time -f "%M %U %S"`) with its stdout discarded.
// Prints per command the median wall time, median CPU (user + system), and median/largest peak
// RSS. `--prepare` runs before every command, untimed (to remove outputs). As the
// harness does, NODE_EXTRA_CA_CERTS is removed (see docs/benchmarks.md).
import { spawnSync } from "node:child_process";

const args = process.argv.slice(2);
const prepare = args[0] === "--prepare" ? args.splice(0, 2)[1] : undefined;
const [runsArg, ...specs] = args;
const runs = Number(runsArg);
if (!Number.isInteger(runs) || runs < 1 || specs.length === 0 || specs.some((s) => !s.includes("="))) {
  console.error('usage: node bench/whole-process/ab.mjs [--prepare "command"] RUNS name=command [name=command ...]');
  process.exit(2);
}
const cases = specs.map((spec) => {
  const at = spec.indexOf("=");
  return { name: spec.slice(0, at), command: spec.slice(at + 1), wallMs: [], cpuMs: [], peakMiB: [] };
});
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;
for (let round = 0; round <= runs; round++) {
  for (const c of round % 2 === 1 ? [...cases].reverse() : cases) {
    if (prepare !== undefined) spawnSync("bash", ["-c", prepare], { env });
    const started = process.hrtime.bigint();
    const result = spawnSync("/usr/bin/time", ["-f", "%M %U %S", "bash", "-c", `${c.command} > /dev/null`], {
      env,
      encoding: "utf8",
    });
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== 0) {
      console.error(`${c.name} failed:\n${result.stderr.slice(-800)}`);
      process.exit(1);
    }
    const [peakKiB, user, system] = result.stderr.trim().split("\n").pop().split(" ").map(Number);
    if (round === 0) continue; // warm-up
    c.wallMs.push(wallMs);
    c.cpuMs.push((user + system) * 1000);
    c.peakMiB.push(peakKiB / 1024);
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
for (const c of cases) {
  console.log(
    `${c.name.padEnd(12)} wall ${median(c.wallMs).toFixed(0)} ms  cpu ${median(c.cpuMs).toFixed(0)} ms  ` +
      `peak ${median(c.peakMiB).toFixed(1)}/${Math.max(...c.peakMiB).toFixed(1)} MiB  ` +
      `[${c.wallMs.map((ms) => ms.toFixed(0)).join(" ")}]`,
  );
}
