import { readFileSync } from "node:fs";
import { extract } from "@granule/extract";
import { bufferSource, buildIndex, type OpusIndex, recording } from "@granule/opus-index";
import { type EncodeOptions, type EncodeResult, encodeToBytes } from "../src/index.ts";

export function loadFixture(file: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`./fixtures/${file}`, import.meta.url)));
}

/** Encodes, indexes with @granule/opus-index and decodes the whole stream with @granule/extract. */
export async function roundTrip(
  input: Uint8Array,
  options: EncodeOptions = {},
): Promise<{ bytes: Uint8Array; result: EncodeResult; index: OpusIndex; decoded: Float32Array[] }> {
  const { bytes, result } = await encodeToBytes(input, { serial: 1, ...options });
  const index = await buildIndex(bytes, { workers: 0, strict: true });
  const segment = await extract(recording(index, bufferSource(bytes)), {
    startSample: 0,
    endSample: index.totalSamples,
  });
  return { bytes, result, index, decoded: segment.channels };
}

/** A deterministic test signal: a chirp from f0 to f1 Hz plus a little noise, per channel. */
export function testSignal(rate: number, frames: number, f0: number, f1: number, channels = 1): Float32Array[] {
  return Array.from({ length: channels }, (_, c) => {
    const out = new Float32Array(frames);
    let phase = 0;
    let seed = 1234 + c;
    for (let i = 0; i < frames; i++) {
      const f = f0 + (f1 - f0) * (i / frames) + 97 * c;
      phase += (2 * Math.PI * f) / rate;
      seed = (seed * 1103515245 + 12345) >>> 0;
      out[i] = 0.4 * Math.sin(phase) + 0.02 * (seed / 2 ** 32 - 0.5);
    }
    return out;
  });
}

/** A WAV file: 16-bit PCM (or 32-bit float), WAVE_FORMAT_EXTENSIBLE above two channels. */
export function makeWav(channels: Float32Array[], rate: number, format: "s16" | "f32" = "s16"): Uint8Array {
  const frames = channels[0]!.length;
  const bytesPer = format === "s16" ? 2 : 4;
  const extensible = channels.length > 2;
  const fmtSize = extensible ? 40 : 16;
  const dataBytes = frames * channels.length * bytesPer;
  const out = new Uint8Array(12 + 8 + fmtSize + 8 + dataBytes + (dataBytes & 1));
  const view = new DataView(out.buffer);
  const text = (at: number, s: string) => {
    for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
  };
  text(0, "RIFF");
  view.setUint32(4, out.length - 8, true);
  text(8, "WAVEfmt ");
  view.setUint32(16, fmtSize, true);
  const tag = format === "s16" ? 1 : 3;
  view.setUint16(20, extensible ? 0xfffe : tag, true);
  view.setUint16(22, channels.length, true);
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * channels.length * bytesPer, true);
  view.setUint16(32, channels.length * bytesPer, true);
  view.setUint16(34, bytesPer * 8, true);
  if (extensible) {
    view.setUint16(36, 22, true);
    view.setUint16(38, bytesPer * 8, true);
    view.setUint32(40, 0, true);
    out.set([tag, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71], 44);
  }
  const dataAt = 20 + fmtSize;
  text(dataAt, "data");
  view.setUint32(dataAt + 4, dataBytes, true);
  let at = dataAt + 8;
  for (let i = 0; i < frames; i++) {
    for (const channel of channels) {
      const x = channel[i]!;
      if (format === "s16") view.setInt16(at, Math.max(-32768, Math.min(32767, Math.round(x * 32768))), true);
      else view.setFloat32(at, x, true);
      at += bytesPer;
    }
  }
  return out;
}

/** SNR in dB of `actual` against `expected` over their common length. */
export function snrDb(expected: Float32Array, actual: Float32Array): number {
  let signal = 0;
  let noise = 0;
  const n = Math.min(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    signal += expected[i]! ** 2;
    noise += (expected[i]! - actual[i]!) ** 2;
  }
  return noise === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10(signal / noise);
}

/** The lag (in samples, within ±maxLag) at which `actual` best matches `expected`: 0 means aligned. */
export function bestLag(expected: Float32Array, actual: Float32Array, maxLag: number): number {
  let best = 0;
  let bestScore = Number.NEGATIVE_INFINITY;
  const n = Math.min(expected.length, actual.length);
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let score = 0;
    for (let i = Math.max(0, -lag); i < n - Math.max(0, lag); i++) score += expected[i]! * actual[i + lag]!;
    if (score > bestScore) {
      bestScore = score;
      best = lag;
    }
  }
  return best;
}

/** Every `factor`-th sample, from `offset`: the decoded 48 kHz stream back at an upsampled source's rate. */
export function decimate(samples: Float32Array, factor: number): Float32Array {
  return Float32Array.from({ length: Math.floor(samples.length / factor) }, (_, i) => samples[i * factor]!);
}

/** Reads 16-bit samples straight from a WAV's bytes (for test references, independently of the package). */
export function quantised(channel: Float32Array): Float32Array {
  return channel.map((x) => Math.max(-32768, Math.min(32767, Math.round(x * 32768))) / 32768);
}
