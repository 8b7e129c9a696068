// Where decode workers start to pay: N random 2 s segments (fixed seed) of a one-hour mono
// 160 kbit/s file (the real packets of fixtures/ffmpeg-mono-160k.opus), extractMany from the
// Node entry with 0, 1 and 2 workers, medians of interleaved rounds (warm worker pool).
// Run: node bench/workers.bench.mjs after `npm run build`. Decides MIN_WINDOWS_FOR_WORKERS.
import { readFileSync } from "node:fs";
import { extractMany } from "@granule/extract/node";
import { assemblePackets, readPages, writePages } from "@granule/ogg-pages";
import { bufferSource, buildIndex, recording } from "@granule/opus-index";

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const fixture = readFileSync(new URL("../../../fixtures/ffmpeg-mono-160k.opus", import.meta.url));
const [head, tags, ...audio] = [...assemblePackets(readPages(new Uint8Array(fixture)))];
function* packets() {
  yield { data: head.data, granule: 0n, flush: true };
  yield { data: tags.data, granule: 0n, flush: true };
  let granule = 312n;
  for (let n = 1; n <= 3600 * 50; n++) {
    granule += 960n;
    yield { data: audio[n % audio.length].data, granule, flush: n % 50 === 0 };
  }
}
const bytes = writePages(packets(), { serial: 1, targetBodyByteLength: 1 << 30 });
const rec = recording(await buildIndex(bytes, { workers: 0 }), bufferSource(bytes));
let seed = 7;
const random = () => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 2 ** 32;
};
const segmentsOf = (n) =>
  Array.from({ length: n }, () => {
    const start = Math.floor(random() * (rec.index.totalSamples - 96_000));
    return { startSample: start, endSample: start + 96_000 };
  });
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(`median of ${RUNS} rounds, node ${process.version}; ms for N segments of 2 s (one window each)`);
console.log("N".padStart(4), "workers 0".padStart(11), "workers 1".padStart(11), "workers 2".padStart(11));
for (const n of [2, 4, 8, 16, 32, 64]) {
  const segments = segmentsOf(n);
  const times = [[], [], []];
  for (const w of [0, 1, 2]) await extractMany(rec, segments, { workers: w }); // warm up
  for (let round = 0; round < RUNS; round++) {
    for (const w of [0, 1, 2]) {
      const start = performance.now();
      await extractMany(rec, segments, { workers: w });
      times[w].push(performance.now() - start);
    }
  }
  console.log(String(n).padStart(4), ...times.map((t) => median(t).toFixed(1).padStart(11)));
}
