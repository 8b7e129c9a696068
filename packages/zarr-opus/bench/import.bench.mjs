// Imports a one-hour, 160 kbit/s Ogg Opus file (built here from the real packets of
// fixtures/ffmpeg-160k.opus, one-second pages as ffmpeg writes them) into a fresh archive, as
// a whole process (`node -e`, startup included) beside `sha256sum` of the same file, round
// after round, interleaved; figures are medians. Also: peak memory of the import process,
// the files it wrote, and what one cold 2 s extraction plan costs over HTTP (a local static
// server with Range support). Run: npm run bench in this package after npm run build.
// BENCH_RUNS (default 7) sets the rounds; BENCH_DAY=1 also imports a 24-hour file once.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { open, stat } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assemblePackets, readPages, writePages } from "@granule/ogg-pages";
import { openCollection, openRecording } from "@granule/zarr-opus/node";

const RUNS = Number(process.env.BENCH_RUNS ?? 7);

function makeFile(seconds) {
  const fixture = readFileSync(new URL("../../../fixtures/ffmpeg-160k.opus", import.meta.url));
  const [head, tags, ...audio] = [...assemblePackets(readPages(fixture))];
  function* packets() {
    yield { data: head.data, granule: 0n, flush: true };
    yield { data: tags.data, granule: 0n, flush: true };
    let granule = 312n;
    for (let n = 1; n <= seconds * 50; n++) {
      granule += 960n;
      yield { data: audio[(n - 1) % audio.length].data, granule, flush: n % 50 === 0 };
    }
  }
  return writePages(packets(), { serial: 160, targetBodyByteLength: 1 << 30 });
}

// The import as a user runs it: a fresh process that opens (creates) the archive and imports.
// Plain `node -e` (CommonJS) with import(): `--input-type=module` would be inherited by the
// index's worker threads, which then fail to start (see the package README).
const CHILD = `
const t0 = performance.now();
import("@granule/zarr-opus/node").then(async ({ openCollection, importRecording }) => {
  const [dir, path, workers] = process.argv.slice(1);
  const collection = await openCollection(dir, { create: true });
  const options = workers === "default" ? {} : { workers: Number(workers) };
  const result = await importRecording(collection, path, options);
  console.log(JSON.stringify({ id: result.id, ms: performance.now() - t0, maxRssKB: peakRssKB() }));
});
// VmHWM is this process's own peak RSS. getrusage's maxRSS is not: after fork and exec, Linux
// reports the parent's peak if it was higher (this benchmark's parent holds the test files).
function peakRssKB() {
  try {
    return Number(require("node:fs").readFileSync("/proc/self/status", "utf8").match(/VmHWM:\\s+(\\d+)/)[1]);
  } catch {
    return process.resourceUsage().maxRSS;
  }
}
`;

function timeProcess(command, args) {
  const start = performance.now();
  const result = spawnSync(command, args, { encoding: "utf8", cwd: new URL(".", import.meta.url).pathname });
  const ms = performance.now() - start;
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr}`);
  return { ms, stdout: result.stdout };
}

function importProcess(dir, path, workers) {
  rmSync(dir, { recursive: true, force: true });
  const { ms, stdout } = timeProcess(process.execPath, ["-e", CHILD, dir, path, workers]);
  return { ms, ...JSON.parse(stdout.trim().split("\n").at(-1)) };
}

function listFiles(dir) {
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...listFiles(path));
    else files.push({ path, size: statSync(path).size });
  }
  return files;
}

function startServer(root) {
  const state = { requests: 0, bytes: 0 };
  const server = createServer(async (request, response) => {
    state.requests++;
    const file = join(root, decodeURIComponent(new URL(request.url, "http://x").pathname));
    let size;
    try {
      size = (await stat(file)).size;
    } catch {
      response.writeHead(404).end();
      return;
    }
    let start = 0;
    let end = size - 1;
    const range = /^bytes=(\d*)-(\d*)$/.exec(request.headers.range ?? "");
    if (range) {
      if (range[1] === "") start = Math.max(0, size - Number(range[2]));
      else [start, end] = [Number(range[1]), range[2] === "" ? size - 1 : Math.min(size - 1, Number(range[2]))];
    }
    const body = Buffer.alloc(end - start + 1);
    const handle = await open(file, "r");
    await handle.read(body, 0, body.length, start);
    await handle.close();
    state.bytes += body.length;
    response.writeHead(range ? 206 : 200, {
      "content-length": body.length,
      ...(range ? { "content-range": `bytes ${start}-${end}/${size}` } : {}),
    });
    response.end(body);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${server.address().port}`, state, server })),
  );
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const work = mkdtempSync(join(tmpdir(), "zarr-opus-bench-"));

try {
  const bytes = makeFile(3600);
  const path = join(work, "20240501_000000.opus");
  writeFileSync(path, bytes);
  const mb = bytes.length / 1e6;
  const dir = join(work, "archive");

  const cases = {
    sha256sum: [],
    "import (default workers)": [],
    "import (workers 0)": [],
    "import (workers 1)": [],
    "import (workers 2)": [],
  };
  const memory = Object.fromEntries(
    Object.keys(cases)
      .slice(1)
      .map((name) => [name, []]),
  );
  // Warm-up: page cache, module cache.
  timeProcess("sha256sum", [path]);
  importProcess(dir, path, "default");
  for (let round = 0; round < RUNS; round++) {
    cases.sha256sum.push(timeProcess("sha256sum", [path]).ms);
    for (const [name, workers] of [
      ["import (default workers)", "default"],
      ["import (workers 0)", "0"],
      ["import (workers 1)", "1"],
      ["import (workers 2)", "2"],
    ]) {
      const run = importProcess(dir, path, workers);
      cases[name].push(run.ms);
      memory[name].push(run.maxRssKB);
    }
  }
  const files = listFiles(dir);
  const stored = files.reduce((sum, f) => sum + f.size, 0);

  console.log(`zarr-opus import benchmark: ${mb.toFixed(1)} MB, one hour, ${RUNS} interleaved rounds, medians`);
  console.log(`node ${process.version}; whole processes (startup included), warm page cache`);
  const base = median(cases.sha256sum);
  for (const [name, times] of Object.entries(cases)) {
    const ms = median(times);
    const ratio = name === "sha256sum" ? "" : `  ${(ms / base).toFixed(2)}x sha256sum`;
    const rss = memory[name] ? `  peak RSS ${(median(memory[name]) / 1024).toFixed(0)} MiB` : "";
    console.log(
      `${name.padEnd(26)} ${ms.toFixed(0).padStart(6)} ms  ${(mb / (ms / 1000)).toFixed(0).padStart(5)} MB/s${ratio}${rss}`,
    );
  }
  const ratio = median(cases["import (default workers)"]) / base;
  console.log(`import / sha256sum (target <= 1.5): ${ratio.toFixed(2)}: ${ratio <= 1.5 ? "met" : "NOT met"}`);
  console.log(`Python predecessor for scale: about 8 s to import such a file`);
  console.log(
    `archive: ${files.length} files, ${(stored / 1e6).toFixed(2)} MB for ${mb.toFixed(2)} MB of source (+${(((stored - bytes.length) / bytes.length) * 100).toFixed(2)} %)`,
  );

  // Cold 2 s extraction plans over HTTP: open the collection and the recording, read the plan's bytes.
  const { url, state, server } = await startServer(dir);
  const transfers = [];
  for (const at of [1, 600.5, 1234.56, 1800, 2700.25, 3597]) {
    state.requests = 0;
    state.bytes = 0;
    const collection = await openCollection(url);
    const recording = await openRecording(collection, "000001");
    const start = Math.round(at * 48_000);
    const plan = recording.index.locate(start, start + 96_000);
    await recording.source.read(plan.byteOffset, plan.byteLength);
    transfers.push({ requests: state.requests, bytes: state.bytes, plan: plan.byteLength });
  }
  server.close();
  const maxBytes = Math.max(...transfers.map((t) => t.bytes));
  console.log(
    `cold 2 s read over HTTP: ${median(transfers.map((t) => t.requests))} requests, ${(median(transfers.map((t) => t.bytes)) / 1024).toFixed(1)} KiB median, ${(maxBytes / 1024).toFixed(1)} KiB max (plan itself ${(median(transfers.map((t) => t.plan)) / 1024).toFixed(1)} KiB; target <= 512 KiB): ${maxBytes <= 512 * 1024 ? "met" : "NOT met"}`,
  );

  if (process.env.BENCH_DAY === "1") {
    rmSync(dir, { recursive: true, force: true });
    const dayPath = join(work, "20240502_000000.opus");
    writeFileSync(dayPath, makeFile(24 * 3600));
    const daySize = statSync(dayPath).size;
    const hashMs = timeProcess("sha256sum", [dayPath]).ms;
    const run = importProcess(dir, dayPath, "default");
    const dayFiles = listFiles(dir).filter(
      (f) => !f.path.includes(`${join(dir, "manifest")}`) && f.path.includes("000001"),
    );
    console.log(
      `24 hours: ${(daySize / 1e9).toFixed(2)} GB imported in ${(run.ms / 1000).toFixed(1)} s (sha256sum ${(hashMs / 1000).toFixed(1)} s), peak RSS ${(run.maxRssKB / 1024).toFixed(0)} MiB, ${dayFiles.length} files in the recording (target <= ~100)`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
