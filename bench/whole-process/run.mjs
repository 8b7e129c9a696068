#!/usr/bin/env node
// Whole-process benchmarks: granule's commands against the native tools a user would otherwise
// run, timed side by side in one run (hyperfine, alternating order), with peak RSS, checked
// outputs, targets, and a JSON + Markdown result. See docs/benchmarks.md.
//
//   node bench/whole-process/run.mjs [--quick] [--rows seek100,version] [--runs N]
//        [--cache DIR] [--out FILE] [--delay-ms 50] [--list] [--inputs-only] [--keep-node-env]
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startDelayServer } from "./delay-server.mjs";
import { prepareInputs } from "./inputs.mjs";
import { measureCommands, median, runProcess } from "./measure.mjs";
import { renderMarkdown, renderRowLine } from "./report.mjs";
import { rows } from "./rows.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const cliPath = join(root, "packages/cli/bin/granule.js");

const { values: options } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    rows: { type: "string" },
    runs: { type: "string" },
    cache: { type: "string" },
    out: { type: "string" },
    "delay-ms": { type: "string", default: "50" },
    list: { type: "boolean", default: false },
    "inputs-only": { type: "boolean", default: false },
    "keep-node-env": { type: "boolean", default: false },
  },
});

if (options.list) {
  for (const row of rows) console.log(`${row.id.padEnd(18)} ${row.title}`);
  process.exit(0);
}

const log = (message) => process.stderr.write(`${message}\n`);
const selected = options.rows ? options.rows.split(",").map((s) => s.trim()) : rows.map((r) => r.id);
const unknown = selected.filter((id) => !rows.some((r) => r.id === id));
if (unknown.length) {
  log(`unknown row(s): ${unknown.join(", ")}; --list shows them`);
  process.exit(2);
}
// In the order given: a long run can put the rows that matter most first.
const chosen = selected.map((id) => rows.find((r) => r.id === id));
const quick = options.quick;
const cacheDir = resolve(options.cache ?? join(tmpdir(), "granule-whole-process"));
const inputsDir = join(cacheDir, quick ? "inputs-quick" : "inputs");

function requireTool(command, args, why) {
  const result = spawnSync(command, args, { stdio: "ignore" });
  if (result.error || result.status !== 0) {
    log(`${command} is needed (${why}); install it (Debian: apt-get install ${command})`);
    process.exit(2);
  }
}
requireTool("hyperfine", ["--version"], "it times the rows");
if (!existsSync(join(root, "packages/cli/dist/index.js"))) {
  log("packages/cli is not built: run `npm run build` first");
  process.exit(2);
}

/** The native anchor, built from bench/native/seek.c when libopusfile's headers are there. */
function buildSeek() {
  const flags = spawnSync("pkg-config", ["--cflags", "--libs", "opusfile", "opusurl"], { encoding: "utf8" });
  if (flags.status !== 0)
    return { seek: null, why: "libopusfile-dev is not installed (apt-get install libopusfile-dev)" };
  const source = join(root, "bench/native/seek.c");
  const binary = join(cacheDir, "bin", "seek");
  mkdirSync(dirname(binary), { recursive: true });
  if (!existsSync(binary) || statSync(binary).mtimeMs < statSync(source).mtimeMs) {
    const cc = spawnSync("cc", ["-O2", "-Wall", "-o", binary, source, ...flags.stdout.trim().split(/\s+/)], {
      encoding: "utf8",
    });
    if (cc.status !== 0) return { seek: null, why: `cc failed on bench/native/seek.c: ${cc.stderr}` };
  }
  return { seek: binary, why: "" };
}

const { seek, why: noSeek } = buildSeek();
if (!seek) log(`native rows skipped: ${noSeek}`);

function granuleSync(args) {
  const result = spawnSync(process.execPath, [cliPath, ...args], { encoding: "utf8", maxBuffer: 1 << 28 });
  if (result.status !== 0) throw new Error(`granule ${args.slice(0, 3).join(" ")} ... failed: ${result.stderr}`);
  return result.stdout;
}

const needs = new Set(chosen.filter((r) => !r.native || seek).flatMap((r) => r.needs));
if (needs.has("segments") || needs.has("remoteArchive")) needs.add("hour");
log(`inputs in ${inputsDir}${quick ? " (quick)" : ""}`);
const inputs = prepareInputs({ dir: inputsDir, quick, seekBinary: seek, granule: granuleSync, needs });

if (options["inputs-only"]) {
  log("inputs ready");
  process.exit(0);
}

const server = chosen.some((r) => r.remote)
  ? await startDelayServer({ root: inputsDir, delayMs: Number(options["delay-ms"]) })
  : null;

const context = {
  root,
  inputs,
  seek,
  server,
  quick,
  cli: (args) => [process.execPath, cliPath, ...args],
  exec: (argv) => runProcess(argv[0], argv.slice(1), { cwd: root }),
  async granule(args, { prepare, allowFailure } = {}) {
    if (prepare) await runProcess("sh", ["-c", prepare]);
    const result = await runProcess(process.execPath, [cliPath, ...args], { cwd: root });
    if (result.code !== 0 && !allowFailure)
      throw new Error(`granule ${args.join(" ").slice(0, 200)} failed: ${result.stderr.trim()}`);
    return result;
  },
};

function evaluate(row, summary, remote) {
  const granule = summary.granule;
  const anchor = summary.anchor;
  const ratio = anchor ? granule.wallMs / anchor.wallMs : null;
  // On a shared machine wall time carries other jobs' load; CPU time is steadier (not a target).
  const cpuRatio = anchor ? granule.cpuMs / anchor.cpuMs : null;
  const t = row.target;
  const checks = [];
  if (t.ratioMax !== undefined) checks.push({ what: `ratio <= ${t.ratioMax}x`, met: ratio <= t.ratioMax });
  if (t.peakMiBMax !== undefined)
    checks.push({ what: `peak <= ${t.peakMiBMax} MiB`, met: granule.peakMiB <= t.peakMiBMax });
  if (t.wallMsMax !== undefined) checks.push({ what: `wall < ${t.wallMsMax} ms`, met: granule.wallMs < t.wallMsMax });
  if (t.requestsMax !== undefined)
    checks.push({ what: `requests <= ${t.requestsMax}`, met: remote?.requests <= t.requestsMax });
  if (t.bytesMax !== undefined)
    checks.push({ what: `bytes <= ${t.bytesMax / 1024} KiB`, met: remote?.bytes <= t.bytesMax });
  if (t.roundTripsMax !== undefined)
    checks.push({
      what: `sequential round trips <= ${t.roundTripsMax}`,
      met: remote?.sequentialRoundTrips <= t.roundTripsMax,
    });
  return { ratio, cpuRatio, checks, met: checks.every((c) => c.met) };
}

const startedAt = new Date();
const CA_VARIABLE = "NODE_EXTRA_CA_CERTS";
const nodeEnvironment = settleNodeEnvironment();
const hyperfineVersion = spawnSync("hyperfine", ["--version"], { encoding: "utf8" }).stdout.trim();
const results = [];
for (const row of chosen) {
  const result = { id: row.id, title: row.title, anchor: row.anchor, target: row.target, loadBefore: loadavg() };
  results.push(result);
  log(`\n${row.id}: ${row.title}`);
  if (row.native && !seek) {
    result.status = "skipped";
    result.message = noSeek;
    log(`  skipped: ${noSeek}`);
    continue;
  }
  const work = join(cacheDir, "work", row.id);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const ctx = { ...context, work };
  try {
    const unavailable = row.unavailable ? await row.unavailable(ctx) : null;
    if (unavailable) {
      result.status = "skipped";
      result.message = unavailable;
      log(`  skipped: ${unavailable}`);
      continue;
    }
    if (row.setup) await row.setup(ctx);
    const rounds = options.runs ? Number(options.runs) : row.single ? 1 : quick || row.heavy ? 3 : 7;
    const warmup = row.single || (row.heavy && !quick) ? 0 : 1;
    const { summary, loads } = await measureCommands({
      commands: row.commands(ctx),
      rounds,
      warmup,
      workDir: join(work, ".measure"),
      log,
    });
    result.rounds = rounds;
    result.warmup = warmup;
    result.summary = summary;
    result.loads = loads;
    result.remote = row.remoteFigures ? await row.remoteFigures(ctx) : null;
    result.extra = row.extraFigures ? row.extraFigures(ctx, summary) : null;
    result.check = await row.check(ctx);
    Object.assign(result, evaluate(row, summary, result.remote));
    result.status = !result.check.ok ? "wrong output" : result.met ? "met" : "not met";
  } catch (error) {
    result.status = "error";
    result.message = error.message;
  } finally {
    if (row.cleanup) spawnSync("sh", ["-c", row.cleanup(ctx)]);
  }
  result.loadAfter = loadavg();
  log(renderRowLine(result));
  writeReport(); // after every row, so an interrupted run still leaves what it measured
}
await server?.close();
const { outBase, markdown } = writeReport();
process.stdout.write(`\n${markdown}\n`);
log(`results: ${outBase}.json, ${outBase}.md`);
process.exitCode = results.some((r) => r.status === "wrong output" || r.status === "error") ? 1 : 0;

/**
 * NODE_EXTRA_CA_CERTS makes Node 20 read and parse that file of certificates as it starts,
 * before any JavaScript, in every process (this sandbox sets it to the system's bundle: about
 * 90 ms a start). It is the machine's configuration, not granule's, and the native anchors do
 * not pay it; the rows run without it unless --keep-node-env, and the report says which, with
 * what it costs a `node -e 0` here.
 */
function settleNodeEnvironment() {
  const file = process.env[CA_VARIABLE];
  if (!file) return { nodeExtraCaCerts: "not set" };
  const startMs = (env) => {
    const times = [];
    for (let i = 0; i < 7; i++) {
      const t = process.hrtime.bigint();
      spawnSync(process.execPath, ["-e", "0"], { env, stdio: "ignore" });
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    return Math.round(median(times));
  };
  const without = { ...process.env };
  delete without[CA_VARIABLE];
  const withMs = startMs(process.env);
  const withoutMs = startMs(without);
  const kept = options["keep-node-env"];
  if (!kept) delete process.env[CA_VARIABLE];
  log(
    `NODE_EXTRA_CA_CERTS=${file} ${kept ? "kept (--keep-node-env)" : "removed for the rows (--keep-node-env keeps it)"}: node -e 0 takes ${withMs} ms with it, ${withoutMs} ms without`,
  );
  return { nodeExtraCaCerts: kept ? "kept" : "removed", file, nodeStartMs: { with: withMs, without: withoutMs } };
}

function writeReport() {
  const report = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    command: `node bench/whole-process/run.mjs ${process.argv.slice(2).join(" ")}`.trim(),
    quick,
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    hyperfine: hyperfineVersion,
    delayMs: Number(options["delay-ms"]),
    nodeEnvironment,
    inputs: Object.fromEntries(Object.entries(inputs.sizes)),
    results,
  };
  const outBase = options.out
    ? resolve(options.out).replace(/\.(json|md)$/, "")
    : join(cacheDir, "results", `whole-process-${startedAt.toISOString().replace(/[:.]/g, "-")}`);
  mkdirSync(dirname(outBase), { recursive: true });
  writeFileSync(`${outBase}.json`, `${JSON.stringify(report, null, 2)}\n`);
  const markdown = renderMarkdown(report);
  writeFileSync(`${outBase}.md`, markdown);
  return { outBase, markdown };
}
