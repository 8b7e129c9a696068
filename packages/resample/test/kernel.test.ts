import { createResampler, describeFilter, resample } from "@granule/resample";
import { describe, expect, it } from "vitest";
import { wasmSimdAvailable } from "../src/kernel.ts";
import { Polyphase } from "../src/polyphase.ts";
import { QUALITY_PRESETS } from "../src/quality.ts";
import { ratioOf } from "../src/rates.ts";
import { sine, toneAt } from "./spectrum.ts";

function noise(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = (x / 2 ** 32 - 0.5) * 2;
  }
  return out;
}

/** FNV-1a over the float32 bits: a fingerprint of an output to compare across runtimes. */
function fingerprint(channels: Float32Array[]): string {
  let h = 0x811c9dc5;
  for (const channel of channels) {
    const bytes = new Uint8Array(channel.buffer, channel.byteOffset, channel.byteLength);
    for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

describe("kernels", () => {
  it("WebAssembly SIMD is used in this runtime", () => {
    expect(wasmSimdAvailable()).toBe(true);
    expect(describeFilter(48000, 32000).kernel).toBe("wasm-simd");
  });

  it("the JavaScript loop gives the same bits as the WebAssembly SIMD loop", () => {
    const x = noise(6000, 42);
    x[500] = 1e-40; // subnormal
    x[501] = -0;
    for (const [inRate, outRate, quality] of [
      [48000, 32000, "high"],
      [44100, 48000, "strict"],
      [48000, 16000, "fast"],
      [8000, 44100, "high"],
    ] as const) {
      const ratio = ratioOf(inRate, outRate);
      const wasm = new Polyphase(ratio, QUALITY_PRESETS[quality], "wasm-simd");
      const js = new Polyphase(ratio, QUALITY_PRESETS[quality], "javascript");
      expect(js.kernelKind).toBe("javascript");
      const count = Math.floor(((x.length - 3 - wasm.design.taps) * ratio.up) / ratio.down) - 3;
      for (const phase of [0, ratio.up - 1, Math.floor(ratio.up / 2)]) {
        const a = new Float32Array(count);
        const b = new Float32Array(count);
        wasm.run(x, 3, phase, count, a, 0);
        js.run(x, 3, phase, count, b, 0);
        expect(b, `${inRate} -> ${outRate} ${quality} phase ${phase}`).toEqual(a);
      }
    }
  }, 60_000);

  it("ratios with huge numerators interpolate between rows on a grid of phases, with the same rules", () => {
    // 44101 -> 768000 is 768000/44101 in lowest terms: 768000 rows would not fit a table.
    const info = describeFilter(44101, 768000);
    expect(info.rows).toBe("grid");
    const x = sine(1000, 44101, 4410);
    const [y] = resample([x], 44101, 768000) as [Float32Array];
    expect(y.length).toBe(Math.round((4410 * 768000) / 44101));
    const { amplitude, phase } = toneAt(y, 768000, 1000, 19200, 57600);
    expect(Math.abs(amplitude - 0.5)).toBeLessThan(1e-5);
    expect(Math.abs(phase)).toBeLessThan(1e-5);
    // Streaming still equals one-shot to the bit.
    const resampler = createResampler({ inRate: 44101, outRate: 768000, channels: 1 });
    const parts = [
      resampler.push([x.subarray(0, 1234)])[0],
      resampler.push([x.subarray(1234)])[0],
      resampler.flush()[0],
    ];
    const joined = new Float32Array(y.length);
    let at = 0;
    for (const part of parts as Float32Array[]) {
      joined.set(part, at);
      at += part.length;
    }
    expect(joined).toEqual(y);
    // And the JavaScript loop agrees there too.
    const ratio = ratioOf(44101, 768000);
    const a = new Float32Array(3000);
    const b = new Float32Array(3000);
    new Polyphase(ratio, QUALITY_PRESETS.high, "wasm-simd").run(x, 0, 17, 3000, a, 0);
    new Polyphase(ratio, QUALITY_PRESETS.high, "javascript").run(x, 0, 17, 3000, b, 0);
    expect(b).toEqual(a);
  }, 60_000);

  it("the phase grid gives what the full table gives, within -120 dB (44.1 -> 48 and 48 -> 32 kHz forced onto the grid)", () => {
    const x = noise(20000, 77);
    for (const [inRate, outRate] of [
      [44100, 48000],
      [48000, 32000],
      [16000, 44100],
    ] as const) {
      const ratio = ratioOf(inRate, outRate);
      const table = new Polyphase(ratio, QUALITY_PRESETS.high);
      const grid = new Polyphase(ratio, QUALITY_PRESETS.high, "auto", true);
      const count = Math.floor(((x.length - table.design.taps) * ratio.up) / ratio.down) - 3;
      const a = new Float32Array(count);
      const b = new Float32Array(count);
      table.run(x, 0, 0, count, a, 0);
      grid.run(x, 0, 0, count, b, 0);
      let worst = 0;
      for (let j = 0; j < count; j++) worst = Math.max(worst, Math.abs((a[j] as number) - (b[j] as number)));
      // x is full scale (peak 1): the difference is 120 dB below it.
      expect(worst, `${inRate} -> ${outRate}`).toBeLessThan(1e-6);
    }
  }, 60_000);

  it("gives the same bits in every runtime (fingerprints recorded in Node; this test also runs in Deno and Bun)", () => {
    const x = [noise(9000, 1), noise(9000, 2)];
    expect(fingerprint(resample(x, 48000, 32000))).toBe("7626bc61");
    expect(fingerprint(resample(x, 44100, 48000, { quality: "strict" }))).toBe("88636784");
    expect(fingerprint(resample(x, 48000, 16000, { quality: "fast" }))).toBe("460a5cd5");
    expect(fingerprint(resample(x, 384000, 192000))).toBe("ebe1d5da");
  });
});
