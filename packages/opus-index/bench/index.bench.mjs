// Indexes a one-hour, 160 kbit/s Ogg Opus file (built here from the real packets of
// fixtures/ffmpeg-160k.opus with the page writer, one-second pages as ffmpeg writes them),
// held in memory and read from a file, with 0, 1 and 2 workers, beside plain passes over the
// same bytes measured in the same run. Run: npm run bench (root) or, after npm run build,
// node bench/index.bench.mjs in this package. Cases run interleaved; figures are medians.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assemblePackets, readPages, writePages } from "@granule/ogg-pages";
import { buildIndex, indexFile } from "@granule/opus-index/node";

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const SECONDS = 3600;

function makeHour() {
  const fixture = readFileSync(new URL("../../../fixtures/ffmpeg-160k.opus", import.meta.url));
  const [head, tags, ...audio] = [...assemblePackets(readPages(fixture))];
  const repeats = Math.ceil((SECONDS * 50) / audio.length);
  function* packets() {
    yield { data: head.data, granule: 0n, flush: true };
    yield { data: tags.data, granule: 0n, flush: true };
    let granule = 312n;
    let n = 0;
    for (let r = 0; r < repeats; r++) {
      for (const packet of audio) {
        granule += 960n;
        n++;
        yield { data: packet.data, granule, flush: n % 50 === 0 };
      }
    }
  }
  return writePages(packets(), { serial: 160, targetBodyByteLength: 1 << 30 });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const bytes = makeHour();
const path = join(tmpdir(), `granule-bench-${process.pid}.opus`);
writeFileSync(path, bytes);
const mb = bytes.length / 1e6;

const cases = [
  ["plain read of the file (fs.readFile)", async () => (await readFile(path)).length],
  // A JavaScript byte loop measured erratically here (0.6-1.7 GB/s between runs): a copy is steadier.
  ["plain pass in memory (copy the bytes)", async () => bytes.slice().length],
  ["index in memory, workers 0", () => buildIndex(bytes, { workers: 0 })],
  ["index in memory, workers 1", () => buildIndex(bytes, { workers: 1 })],
  ["index in memory, workers 2", () => buildIndex(bytes, { workers: 2 })],
  ["index from the file, workers 0", () => indexFile(path, { workers: 0 })],
  ["index from the file, workers 1", () => indexFile(path, { workers: 1 })],
  ["index from the file, workers 2", () => indexFile(path, { workers: 2 })],
];

try {
  const times = cases.map(() => []);
  let pages = 0;
  for (const [, run] of cases) {
    const result = await run(); // warm up: page cache, JIT, worker threads
    if (typeof result === "object") pages = result.pageCount;
  }
  for (let round = 0; round < RUNS; round++) {
    for (let i = 0; i < cases.length; i++) {
      const start = performance.now();
      await cases[i][1]();
      times[i].push(performance.now() - start);
    }
  }
  const ms = times.map(median);
  console.log(
    `opus-index benchmark: ${mb.toFixed(1)} MB, ${SECONDS} s at 160 kbit/s, ${pages} audio pages; median of ${RUNS} rounds`,
  );
  console.log(`node ${process.version}`);
  cases.forEach(([name], i) => {
    const against = i >= 5 ? ms[0] : ms[1];
    const baseline = i >= 5 ? "plain read" : "in-memory pass";
    const rate = `${(mb / (ms[i] / 1000)).toFixed(0).padStart(6)} MB/s ${(pages / (ms[i] / 1000)).toFixed(0).padStart(8)} pages/s`;
    const ratio = i >= 2 ? `  ${(ms[i] / against).toFixed(2)}x the ${baseline}` : "";
    console.log(`${name.padEnd(38)} ${ms[i].toFixed(1).padStart(7)} ms ${rate}${ratio}`);
  });
  const memory = mb / (ms[2] / 1000);
  const fileRatio = Math.min(ms[5], ms[6], ms[7]) / ms[0];
  console.log(`in memory, one core: ${memory.toFixed(0)} MB/s (target >= 1000): ${memory >= 1000 ? "met" : "NOT met"}`);
  console.log(
    `from the file, best worker count: ${fileRatio.toFixed(2)}x the plain read (target <= 1.5): ${fileRatio <= 1.5 ? "met" : "NOT met"}`,
  );
  console.log("Python predecessor for scale: 8.2 s for such a file (8.8 MB/s)");
} finally {
  rmSync(path, { force: true });
}
