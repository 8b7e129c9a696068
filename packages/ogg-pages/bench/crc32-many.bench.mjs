// The Ogg CRC of every page of a 64 MB file, three ways in the same run: crc32 page after page
// (the one-range WebAssembly loop), crc32Many over the pages in batches of 100 (the 16 SIMD
// lanes), and readPages, which checks the pages ahead with crc32Many. Opus-like 20 kB pages of
// unequal length (VBR). Run: node bench/crc32-many.bench.mjs (after `npm run build`); set
// BASELINE=/path/to/ogg-pages/dist/index.js to time another build's readPages beside this one.
import { crc32, crc32Many, readPages, writePages } from "@granule/ogg-pages";

const TARGET_BYTES = 64 * 1024 * 1024;
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const baseline = process.env.BASELINE ? await import(process.env.BASELINE) : undefined;

function makeFile() {
  let x = 12345;
  const next = () => (x = (x * 1103515245 + 12345) >>> 0);
  const packetCount = Math.ceil(TARGET_BYTES / 400);
  function* packets() {
    for (let i = 0; i < packetCount; i++) {
      const data = new Uint8Array(200 + (next() % 400));
      for (let j = 0; j < data.length; j++) data[j] = next() >>> 24;
      yield { data, granule: BigInt((i + 1) * 960), flush: i % 50 === 49 };
    }
  }
  return writePages(packets(), { serial: 1, targetBodyByteLength: 1 << 30 });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const file = makeFile();
const pages = [...readPages(file)];
const starts = new Int32Array(pages.map((p) => p.byteOffset));
const ends = new Int32Array(pages.map((p) => p.byteOffset + p.byteLength));
const crcs = new Uint32Array(pages.length);
const BATCH = 100;

const cases = [
  [
    "crc32, page after page",
    () => {
      let sum = 0;
      for (let i = 0; i < pages.length; i++) sum ^= crc32(file.subarray(starts[i], ends[i]));
      return sum >>> 0;
    },
  ],
  [
    `crc32Many, ${BATCH} pages a call`,
    () => {
      crcs.fill(0);
      for (let i = 0; i < pages.length; i += BATCH) {
        const n = Math.min(BATCH, pages.length - i);
        crc32Many(file, starts.subarray(i, i + n), ends.subarray(i, i + n), crcs.subarray(i, i + n));
      }
      return crcs.reduce((a, b) => a ^ b, 0) >>> 0;
    },
  ],
  [
    "readPages (CRC checked)",
    () => {
      let count = 0;
      for (const _ of readPages(file)) count++;
      return count;
    },
  ],
];
if (baseline) {
  cases.push([
    "readPages, BASELINE build",
    () => {
      let count = 0;
      for (const _ of baseline.readPages(file)) count++;
      return count;
    },
  ]);
}

const times = cases.map(() => []);
const results = cases.map(([, run]) => run());
if (results[0] !== results[1]) throw new Error("crc32Many and crc32 disagree");
for (let round = 0; round < RUNS; round++) {
  cases.forEach(([, run], i) => {
    const start = performance.now();
    results[i] = run();
    times[i].push(performance.now() - start);
  });
}
console.log(
  `${(file.length / 1e6).toFixed(1)} MB, ${pages.length} pages (mean ${(file.length / pages.length / 1000).toFixed(1)} kB), median of ${RUNS} interleaved rounds, node ${process.version}`,
);
cases.forEach(([name], i) => {
  const ms = median(times[i]);
  console.log(
    `${name.padEnd(32)} ${ms.toFixed(1).padStart(7)} ms ${(file.length / 1e6 / ms).toFixed(2).padStart(6)} GB/s`,
  );
});
