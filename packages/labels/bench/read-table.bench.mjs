#!/usr/bin/env node
// Large label tables: for each size, (1) readTable in a process of its own with --expose-gc
// (read-child.mjs): its time and what the table keeps per row, and (2) a whole
// `granule labels convert` process under GNU time: wall time and peak RSS. Tables come from
// make-table.mjs (BirdNET's combined selection table by default), generated once into the
// cache and reused; nothing here is committed. Run after `npm run build`:
//
//   node packages/labels/bench/read-table.bench.mjs                       # 100k, 1M, 3M rows
//   node packages/labels/bench/read-table.bench.mjs --rows 100000 --runs 3
//   node packages/labels/bench/read-table.bench.mjs --labels OLD/dist/index.js --granule OLD/bin/granule.js
//
// Options: --rows a,b (default 100000,1000000,3000000), --format (raven, raven-views,
// birdnet-csv), --to (the convert target, default csv), --runs N (each figure the median),
// --cache DIR (default $TMPDIR/granule-labels-bench), --labels (the built package to read
// with), --granule (the bin to convert with), --no-convert, --no-read.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { writeTableFile } from "./make-table.mjs";

const here = new URL(".", import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "100000,1000000,3000000" },
    format: { type: "string", default: "raven" },
    to: { type: "string", default: "csv" },
    runs: { type: "string", default: "1" },
    cache: { type: "string", default: join(tmpdir(), "granule-labels-bench") },
    labels: { type: "string", default: join(here, "../dist/index.js") },
    granule: { type: "string", default: join(here, "../../cli/bin/granule.js") },
    "no-convert": { type: "boolean", default: false },
    "no-read": { type: "boolean", default: false },
  },
});
const sizes = values.rows.split(",").map(Number);
const runs = Number(values.runs);
mkdirSync(values.cache, { recursive: true });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (bytes) => `${(bytes / 1e6).toFixed(0)} MB`;

async function tableFile(rows) {
  const file = join(values.cache, `${values.format}-${rows}.txt`);
  if (!existsSync(file)) {
    process.stderr.write(`generating ${file}\n`);
    await writeTableFile(values.format, rows, `${file}.part`);
    spawnSync("mv", [`${file}.part`, file]);
  }
  return file;
}

function readOnce(file) {
  const child = spawnSync(
    process.execPath,
    ["--expose-gc", join(here, "read-child.mjs"), "--file", file, "--labels", resolve(values.labels)],
    { encoding: "utf8", maxBuffer: 1 << 20 },
  );
  if (child.status !== 0) {
    const last = child.stderr.trim().split("\n").slice(-3).join(" | ");
    return { failed: `exit ${child.status ?? child.signal}: ${last.slice(0, 300)}` };
  }
  return JSON.parse(child.stdout);
}

function convertOnce(file) {
  const out = join(values.cache, `converted.${values.to}`);
  rmSync(out, { force: true });
  const start = performance.now();
  const child = spawnSync(
    "/usr/bin/time",
    ["-f", "%M", process.execPath, resolve(values.granule), "labels", "convert", file, "--to", values.to, "-o", out],
    { encoding: "utf8", maxBuffer: 1 << 20 },
  );
  const seconds = (performance.now() - start) / 1000;
  const lines = child.stderr.trim().split("\n");
  const peakKb = Number(lines.at(-1));
  if (child.status !== 0) {
    return { failed: `exit ${child.status}: ${lines.slice(-4, -1).join(" | ").slice(0, 300)}`, seconds, peakKb };
  }
  const bytes = readFileSync(out);
  const sha = createHash("sha256").update(bytes).digest("hex").slice(0, 16);
  rmSync(out, { force: true });
  return { seconds, peakKb, outBytes: bytes.length, sha };
}

console.log(
  `labels ${resolve(values.labels)}\ngranule ${resolve(values.granule)}\nformat ${values.format}, to ${values.to}`,
);
for (const rows of sizes) {
  const file = await tableFile(rows);
  if (!values["no-read"]) {
    const results = Array.from({ length: runs }, () => readOnce(file));
    const ok = results.filter((r) => r.failed === undefined);
    if (ok.length === 0) console.log(`${rows} rows: readTable FAILED ${results[0].failed}`);
    else {
      const r = ok[0];
      console.log(
        `${rows} rows (${mb(r.fileBytes)}): readTable ${(median(ok.map((x) => x.ms)) / 1000).toFixed(2)} s, ` +
          `retained ${median(ok.map((x) => x.totalPerRow)).toFixed(1)} bytes/row ` +
          `(heap ${median(ok.map((x) => x.heapPerRow)).toFixed(1)}, external ${median(ok.map((x) => x.retainedExternal / x.rows)).toFixed(1)}), ` +
          `child peak RSS ${mb(median(ok.map((x) => x.maxRssKb)) * 1024)}`,
      );
    }
  }
  if (!values["no-convert"]) {
    const results = Array.from({ length: runs }, () => convertOnce(file));
    const ok = results.filter((r) => r.failed === undefined);
    if (ok.length === 0) {
      const r = results[0];
      console.log(
        `${rows} rows: convert FAILED after ${r.seconds.toFixed(1)} s at peak RSS ${mb(r.peakKb * 1024)}: ${r.failed}`,
      );
    } else {
      console.log(
        `${rows} rows: granule labels convert --to ${values.to} ${median(ok.map((x) => x.seconds)).toFixed(2)} s, ` +
          `peak RSS ${mb(median(ok.map((x) => x.peakKb)) * 1024)}, output ${mb(ok[0].outBytes)} sha256 ${ok[0].sha}`,
      );
    }
  }
}
