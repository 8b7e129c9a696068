// Reads every page of a 64 MB Ogg file held in memory, CRC checked, and compares the rate
// with plain passes over the same bytes measured in the same run. Run: npm run bench
// (from the repository root, or in this package after `npm run build`).
import { assemblePackets, crc32, OggPageReader, readPages, writePages } from "@granule/ogg-pages";

const TARGET_BYTES = 64 * 1024 * 1024;
const RUNS = Number(process.env.BENCH_RUNS ?? 9);

/** Opus-like stream: 400-byte packets (160 kbit/s at 20 ms), 50 to a page (1 s pages, as ffmpeg). */
function makeFile() {
  const packetCount = Math.ceil(TARGET_BYTES / 400);
  let x = 12345;
  function* packets() {
    for (let i = 0; i < packetCount; i++) {
      const data = new Uint8Array(380 + (i % 41));
      for (let j = 0; j < data.length; j++) {
        x = (x * 1103515245 + 12345) >>> 0;
        data[j] = x >>> 24;
      }
      yield { data, granule: BigInt((i + 1) * 960), flush: i % 50 === 49 };
    }
  }
  return writePages(packets(), { serial: 1, targetBodyByteLength: 1 << 30 });
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Runs every case once per round, round after round, and keeps each case's median: on a
 * noisy machine, interleaving spreads the noise over all cases instead of one.
 */
function measureAll(cases, bytes) {
  const times = cases.map(() => []);
  const results = cases.map(([, run]) => run()); // warm up
  for (let round = 0; round < RUNS; round++) {
    cases.forEach(([, run], i) => {
      const start = performance.now();
      results[i] = run();
      times[i].push(performance.now() - start);
    });
  }
  return cases.map(([name], i) => {
    const ms = median(times[i]);
    return { name, ms, mbPerSecond: bytes / 1e6 / (ms / 1000), result: results[i] };
  });
}

const file = makeFile();
const mb = file.length / 1e6;

const [baselineSum, baselineCopy, crcOnly, pages, streaming, packets] = measureAll(
  [
    [
      "baseline: sum every byte",
      () => {
        let sum = 0;
        for (let i = 0; i < file.length; i++) sum = (sum + file[i]) | 0;
        return sum;
      },
    ],
    ["baseline: copy the buffer", () => file.slice().length],
    ["crc32 of the whole buffer", () => crc32(file)],
    [
      "readPages (CRC checked)",
      () => {
        let count = 0;
        for (const _ of readPages(file)) count++;
        return count;
      },
    ],
    [
      "OggPageReader, 64 KiB chunks",
      () => {
        const reader = new OggPageReader();
        let count = 0;
        for (let at = 0; at < file.length; at += 65536) count += reader.push(file.subarray(at, at + 65536)).length;
        return count + reader.end().length;
      },
    ],
    [
      "readPages + assemblePackets",
      () => {
        let count = 0;
        for (const _ of assemblePackets(readPages(file))) count++;
        return count;
      },
    ],
  ],
  file.length,
);

console.log(
  `ogg-pages benchmark: ${mb.toFixed(1)} MB, ${pages.result} pages, ${packets.result} packets, median of ${RUNS} interleaved rounds`,
);
console.log(`node ${process.version}, one core`);
for (const row of [baselineSum, baselineCopy, crcOnly, pages, streaming, packets]) {
  const vsSum = baselineSum.ms / row.ms;
  console.log(
    `${row.name.padEnd(34)} ${row.ms.toFixed(1).padStart(8)} ms ${row.mbPerSecond.toFixed(0).padStart(7)} MB/s  ${vsSum.toFixed(2)}x the byte-sum baseline`,
  );
}
const target = 1000;
console.log(
  `readPages: ${pages.mbPerSecond.toFixed(0)} MB/s (target >= ${target} MB/s): ${pages.mbPerSecond >= target ? "met" : "NOT met"}`,
);
