// 100 random 2 s segments (fixed seed) from a one-hour 160 kbit/s mono recording built here
// from the real packets of fixtures/ffmpeg-mono-160k.opus, in one run: extractMany with 0, 1
// and 2 workers; the same segments one at a time; the decode limit (decoding exactly the
// packets the plans need, already in memory, nothing else); a straight-through decode of the
// whole hour for scale; and one warm 2 s segment. Medians over interleaved rounds.
// Run: npm run bench (root), or node bench/extract.bench.mjs here after `npm run build`.
import { readFileSync } from "node:fs";
import { DEFAULT_PRE_ROLL_SAMPLES, extract, WindowDecoder } from "@granule/extract";
import { extractMany } from "@granule/extract/node";
import { assemblePackets, readPages, writePages } from "@granule/ogg-pages";
import { bufferSource, buildIndex, recording } from "@granule/opus-index";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SEGMENTS = 100;
const SEGMENT_SAMPLES = 2 * 48_000;

function makeHour() {
  const fixture = readFileSync(new URL("../../../fixtures/ffmpeg-mono-160k.opus", import.meta.url));
  const [head, tags, ...audio] = [...assemblePackets(readPages(fixture))];
  function* packets() {
    yield { data: head.data, granule: 0n, flush: true };
    yield { data: tags.data, granule: 0n, flush: true };
    let granule = 312n;
    for (let n = 1; n <= 3600 * 50; n++) {
      granule += 960n;
      yield { data: audio[n % audio.length].data, granule, flush: n % 50 === 0 };
    }
  }
  return writePages(packets(), { serial: 1, targetBodyByteLength: 1 << 30 });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const bytes = makeHour();
const index = await buildIndex(bytes, { workers: 0 });
const rec = recording(index, bufferSource(bytes));
let seed = 2026;
const random = () => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 2 ** 32;
};
const segments = Array.from({ length: SEGMENTS }, () => {
  const start = Math.floor(random() * (index.totalSamples - SEGMENT_SAMPLES));
  return { startSample: start, endSample: start + SEGMENT_SAMPLES };
});

// The decode limit: the plans' packets parsed in advance; timed: restart + decode, nothing else.
const plans = segments.map((s) =>
  index.locate(s.startSample, s.endSample, { preRollSamples: DEFAULT_PRE_ROLL_SAMPLES }),
);
const planPackets = plans.map((plan) => {
  const slice = bytes.subarray(plan.byteOffset, plan.byteOffset + plan.byteLength);
  return [...assemblePackets(readPages(slice))]
    .map((p) => p.data)
    .slice(plan.skipPackets, plan.skipPackets + plan.packetCount);
});
const decoder = await WindowDecoder.create(index.head);
const scratch = [new Float32Array(SEGMENT_SAMPLES)];
const decodeLimit = async () => {
  for (let i = 0; i < plans.length; i++) {
    await decoder.restart();
    decoder.decodeInto(planPackets[i], plans[i].discardSamples, scratch, 1);
  }
};
const allPackets = [...assemblePackets(readPages(bytes))].map((p) => p.data).slice(2);
const whole = [new Float32Array(0)];
const straight = async () => {
  await decoder.restart();
  decoder.decodeInto(allPackets, 0, whole, 1);
};

const cases = [
  ["extractMany, workers 0", () => extractMany(rec, segments, { workers: 0 })],
  ["extractMany, workers 1", () => extractMany(rec, segments, { workers: 1 })],
  ["extractMany, workers 2", () => extractMany(rec, segments, { workers: 2 })],
  [
    "one at a time (extract), workers 0",
    async () => {
      for (const s of segments) await extract(rec, s);
    },
  ],
  ["decode limit: exactly the plans' packets, one core", decodeLimit],
  ["straight-through decode of the whole hour", straight],
];

const times = cases.map(() => []);
for (const [, run] of cases) await run(); // warm up: JIT, WASM compile, worker threads
for (let round = 0; round < RUNS; round++) {
  for (let i = 0; i < cases.length; i++) {
    const start = performance.now();
    await cases[i][1]();
    times[i].push(performance.now() - start);
  }
}
const warm = [];
for (let i = 0; i < 50; i++) {
  const s = segments[i % SEGMENTS];
  const start = performance.now();
  await extract(rec, s);
  warm.push(performance.now() - start);
}

const ms = times.map(median);
const limit = ms[4];
const decodedSeconds = plans.reduce((sum, p) => sum + (p.endSample - p.decodeStartSample), 0) / 48_000;
console.log(
  `extract benchmark: ${(bytes.length / 1e6).toFixed(1)} MB, one hour mono at ~160 kbit/s; ${SEGMENTS} segments of 2 s (fixed seed), pre-roll ${DEFAULT_PRE_ROLL_SAMPLES} samples (${decodedSeconds.toFixed(0)} s decoded in all); median of ${RUNS} rounds; node ${process.version}`,
);
cases.forEach(([name], i) => {
  console.log(`${name.padEnd(52)} ${ms[i].toFixed(1).padStart(8)} ms  ${(ms[i] / limit).toFixed(2)}x the decode limit`);
});
console.log(`one warm 2 s segment (extract): median ${median(warm).toFixed(2)} ms (target <= 10 ms)`);
const best = Math.min(ms[0], ms[1], ms[2]);
console.log(
  `100 segments, best worker count: ${best.toFixed(0)} ms (target <= 500 ms): ${best <= 500 ? "met" : "NOT met"}`,
);
console.log(`extractMany, workers 0 against the one-core decode limit: ${(ms[0] / limit).toFixed(2)}x (target <= 1.3)`);
console.log(
  "for comparison: libopusfile op_pcm_seek + op_read_float ~660 ms for such 100 segments; the Python predecessor ~170 ms per segment",
);
