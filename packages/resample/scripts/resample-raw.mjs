// Resamples a raw little-endian float32 mono file for scripts/measure-quality.py:
//   node resample-raw.mjs ENGINE IN.f32 OUT.f32 IN_RATE OUT_RATE
// ENGINE: granule:fast | granule:high | granule:strict, or, when CANDIDATES_DIR names a folder
// whose node_modules holds them, libsamplerate:best | libsamplerate:medium | speex:10.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { resample } from "@granule/resample";

const [engine, inPath, outPath, inRateText, outRateText] = process.argv.slice(2);
const inRate = Number(inRateText);
const outRate = Number(outRateText);
const bytes = readFileSync(inPath);
const input = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
const [family, setting] = engine.split(":");

async function run() {
  if (family === "granule") return resample([input], inRate, outRate, { quality: setting })[0];
  const require = createRequire(join(process.env.CANDIDATES_DIR ?? ".", "package.json"));
  if (family === "libsamplerate") {
    const { create, ConverterType } = require("@alexanderolsen/libsamplerate-js");
    const type = setting === "best" ? ConverterType.SRC_SINC_BEST_QUALITY : ConverterType.SRC_SINC_MEDIUM_QUALITY;
    const src = await create(1, inRate, outRate, { converterType: type });
    const out = src.simple(input);
    src.destroy();
    return out;
  }
  if (family === "speex") {
    const dir = join(process.env.CANDIDATES_DIR, "node_modules/@echogarden/speex-resampler-wasm/wasm");
    const factory = (await import(join(dir, "speex-resampler-simd.js"))).default;
    const m = await factory();
    return speexResample(m, input, inRate, outRate, Number(setting));
  }
  throw new Error(`unknown engine ${engine}`);
}

/** speexdsp's C API through the emscripten module: float mono, one call, then zeros to flush its latency. */
function speexResample(m, input, inRate, outRate, quality) {
  const errPtr = m._malloc(4);
  const st = m._speex_resampler_init(1, inRate, outRate, quality, errPtr);
  const latency = m._speex_resampler_get_input_latency(st);
  const padded = new Float32Array(input.length + latency * 2);
  padded.set(input);
  const outCap = Math.ceil((padded.length * outRate) / inRate) + 64;
  const inPtr = m._malloc(padded.length * 4);
  const outPtr = m._malloc(outCap * 4);
  const lens = m._malloc(8);
  m.HEAPF32.set(padded, inPtr / 4);
  m.HEAPU32[lens / 4] = padded.length;
  m.HEAPU32[lens / 4 + 1] = outCap;
  m._speex_resampler_process_float(st, 0, inPtr, lens, outPtr, lens + 4);
  const produced = m.HEAPU32[lens / 4 + 1];
  const outLatency = Math.round((latency * outRate) / inRate);
  return m.HEAPF32.slice(outPtr / 4 + outLatency, outPtr / 4 + produced);
}

const out = await run();
writeFileSync(outPath, new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
