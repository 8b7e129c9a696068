// Speed of @granule/resample, one core, against sox as a whole process on the same file.
// Run: npm run bench (in this package after `npm run build`, or from the root).
// BENCH_SECONDS (default 60) sets the signal's length, BENCH_RUNS (default 5) the rounds.
// With CANDIDATES_DIR naming a folder where @alexanderolsen/libsamplerate-js@2.1.2 and
// @echogarden/speex-resampler-wasm@0.3.0 are installed, those are timed too.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createResampler, describeFilter, resample } from "@granule/resample";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CASES = [
  [48000, 32000],
  [44100, 48000],
  [48000, 16000],
];

function noise(length, seed) {
  const out = new Float32Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = (x / 2 ** 32 - 0.5) * 0.5;
  }
  return out;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Median wall time in ms of `run` over RUNS rounds after one warm-up. */
function time(run) {
  run();
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  return median(times);
}

function writeWavFloat(path, channels, rate) {
  const n = channels[0].length;
  const c = channels.length;
  const data = Buffer.alloc(n * c * 4);
  for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) data.writeFloatLE(channels[k][i], (i * c + k) * 4);
  const header = Buffer.alloc(44);
  header.write("RIFF", 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVEfmt ", 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(3, 20);
  header.writeUInt16LE(c, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * c * 4, 28);
  header.writeUInt16LE(c * 4, 32);
  header.writeUInt16LE(32, 34);
  header.write("data", 36);
  header.writeUInt32LE(data.length, 40);
  writeFileSync(path, Buffer.concat([header, data]));
}

/** speexdsp's float API through its emscripten module, quality 10, one call. */
function speexRun(m, input, inRate, outRate) {
  const st = m._speex_resampler_init(1, inRate, outRate, 10, m._malloc(4));
  const capacity = Math.ceil((input.length * outRate) / inRate) + 64;
  const inPtr = m._malloc(input.length * 4);
  const outPtr = m._malloc(capacity * 4);
  const lengths = m._malloc(8);
  m.HEAPF32.set(input, inPtr / 4);
  m.HEAPU32[lengths / 4] = input.length;
  m.HEAPU32[lengths / 4 + 1] = capacity;
  m._speex_resampler_process_float(st, 0, inPtr, lengths, outPtr, lengths + 4);
  const out = m.HEAPF32.slice(outPtr / 4, outPtr / 4 + m.HEAPU32[lengths / 4 + 1]);
  for (const p of [inPtr, outPtr, lengths]) m._free(p);
  m._speex_resampler_destroy(st);
  return out;
}

const hasSox = spawnSync("sox", ["--version"]).status === 0;
const dir = mkdtempSync(join(tmpdir(), "resample-bench-"));
const candidates = process.env.CANDIDATES_DIR
  ? createRequire(join(process.env.CANDIDATES_DIR, "package.json"))
  : undefined;

function soxMs(file, outRate, flag) {
  return time(() => {
    const r = spawnSync("sox", ["-V1", file, join(dir, "out.wav"), "rate", flag, String(outRate)]);
    if (r.status !== 0) throw new Error(`sox failed: ${r.stderr}`);
  });
}

console.log(
  `${SECONDS} s of noise per channel, median of ${RUNS}; "x realtime" = input seconds per wall second, one core`,
);
console.log("(preliminary on a shared machine: other jobs may be running)\n");
const rows = [];
try {
  for (const [inRate, outRate] of CASES) {
    for (const channelCount of [1, 4]) {
      const channels = Array.from({ length: channelCount }, (_, c) => noise(inRate * SECONDS, c + 1));
      const label = `${inRate / 1000}k->${outRate / 1000}k ${channelCount}ch`;
      for (const quality of ["high", "strict", "fast"]) {
        const ms = time(() => resample(channels, inRate, outRate, { quality }));
        const taps = describeFilter(inRate, outRate, quality).taps;
        rows.push({ label, engine: `granule ${quality} (${taps} taps)`, ms });
      }
      // Streaming in 20 ms chunks, as the encoder would feed it.
      const chunk = Math.round(inRate / 50);
      const ms = time(() => {
        const r = createResampler({ inRate, outRate, channels: channelCount });
        for (let at = 0; at < channels[0].length; at += chunk) r.push(channels.map((c) => c.subarray(at, at + chunk)));
        r.flush();
      });
      rows.push({ label, engine: "granule high, 20 ms chunks", ms });
      if (hasSox) {
        const file = join(dir, `in-${inRate}-${channelCount}.wav`);
        writeWavFloat(file, channels, inRate);
        rows.push({ label, engine: "sox -h (whole process)", ms: soxMs(file, outRate, "-h") });
        rows.push({ label, engine: "sox -v (whole process)", ms: soxMs(file, outRate, "-v") });
        const copyMs = time(() => spawnSync("sox", ["-V1", file, join(dir, "out.wav")]));
        rows.push({ label, engine: "sox copy, no resampling (I/O floor)", ms: copyMs });
      }
      if (candidates && channelCount === 1) {
        const { create, ConverterType } = candidates("@alexanderolsen/libsamplerate-js");
        for (const [name, type] of [
          ["best", ConverterType.SRC_SINC_BEST_QUALITY],
          ["medium", ConverterType.SRC_SINC_MEDIUM_QUALITY],
        ]) {
          const src = await create(1, inRate, outRate, { converterType: type });
          rows.push({ label, engine: `libsamplerate-js ${name}`, ms: time(() => src.simple(channels[0])) });
          src.destroy();
        }
        const wasmDir = join(process.env.CANDIDATES_DIR, "node_modules/@echogarden/speex-resampler-wasm/wasm");
        const speex = await (await import(join(wasmDir, "speex-resampler-simd.js"))).default();
        rows.push({
          label,
          engine: "speex-resampler-wasm q10 (SIMD)",
          ms: time(() => speexRun(speex, channels[0], inRate, outRate)),
        });
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const soxBest = new Map(rows.filter((r) => r.engine.startsWith("sox -v")).map((r) => [r.label, r.ms]));
for (const row of rows) {
  const [rates, ch] = row.label.split(" ");
  const inRate = Number(rates.split("->")[0].replace("k", "")) * 1000;
  const samples = inRate * SECONDS * Number.parseInt(ch, 10);
  const realtime = SECONDS / (row.ms / 1000);
  const sox = soxBest.get(row.label);
  const ratio = sox === undefined ? "" : `  ${(sox / row.ms).toFixed(2)}x sox -v`;
  console.log(
    `${row.label.padEnd(16)} ${row.engine.padEnd(36)} ${row.ms.toFixed(0).padStart(7)} ms  ` +
      `${(samples / (row.ms / 1000) / 1e6).toFixed(1).padStart(6)} M samples/s  ${realtime.toFixed(0).padStart(6)}x realtime${ratio}`,
  );
}
if (!hasSox) console.log("\nsox not found: the comparison with sox was skipped");
