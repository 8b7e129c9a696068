import { encodeRaw, encodeWav, interleave, toInt16 } from "@granule/extract";
import { describe, expect, it } from "vitest";
import * as wavefile from "wavefile";

const WaveFile = wavefile.WaveFile ?? (wavefile as unknown as { default: typeof wavefile }).default.WaveFile;

function header(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    riff: new TextDecoder().decode(bytes.subarray(0, 4)),
    format: view.getUint16(20, true),
    channels: view.getUint16(22, true),
    sampleRate: view.getUint32(24, true),
    bitsPerSample: view.getUint16(34, true),
  };
}

describe("samples and WAV", () => {
  it("interleaves channels frame by frame and converts to 16 bits with rounding and clipping", () => {
    expect([...interleave([Float32Array.of(1, 2, 3), Float32Array.of(4, 5, 6)])]).toEqual([1, 4, 2, 5, 3, 6]);
    // As libopus: x 32768, halves to even, clipped.
    expect([...toInt16(Float32Array.of(0, 0.5, -0.5, 1, -1, 2, -2, 1.5 / 32768, 2.5 / 32768, 0.4 / 32768))]).toEqual([
      0, 16384, -16384, 32767, -32768, 32767, -32768, 2, 2, 0,
    ]);
  });

  it("writes 16-bit PCM and 32-bit float WAV with the recording's rate, readable back", () => {
    const channels = [Float32Array.of(0, 0.25, -0.25), Float32Array.of(0.5, -0.5, 0)];
    const s16 = encodeWav(channels, 48_000, { format: "s16" });
    expect(header(s16)).toEqual({ riff: "RIFF", format: 1, channels: 2, sampleRate: 48_000, bitsPerSample: 16 });
    expect(s16.length).toBe(44 + 3 * 2 * 2);
    const f32 = encodeWav(channels, 384_000, { format: "f32" });
    expect(header(f32)).toMatchObject({ format: 3, channels: 2, sampleRate: 384_000, bitsPerSample: 32 });
    expect([...(new WaveFile(s16).getSamples(false, Int16Array) as unknown as Int16Array[])[0]!]).toEqual([
      0, 8192, -8192,
    ]);
    const back = new WaveFile(f32);
    expect([...(back.getSamples(false, Float32Array) as unknown as Float32Array[])[1]!]).toEqual([0.5, -0.5, 0]);
  });

  it("writes WAVE_FORMAT_EXTENSIBLE above two channels, 5.1 in WAV order with its speaker mask", () => {
    // Vorbis order FL FC FR RL RR LFE, tagged by value.
    const six = [1, 2, 3, 4, 5, 6].map((v) => Float32Array.of(v / 10));
    for (const format of ["s16", "f32"] as const) {
      const bytes = encodeWav(six, 48_000, { format, mappingFamily: 1 });
      expect(header(bytes)).toMatchObject({ format: 0xfffe, channels: 6 });
      const view = new DataView(bytes.buffer, bytes.byteOffset);
      expect(view.getUint32(40, true)).toBe(0x3f);
      expect(view.getUint16(44, true)).toBe(format === "f32" ? 3 : 1);
      const back = new WaveFile(bytes);
      expect((back.fmt as { dwChannelMask: number }).dwChannelMask).toBe(0x3f);
      // wavefile reads extensible float data as integers, so read that data chunk directly.
      const dataAt = bytes.length - 6 * (format === "f32" ? 4 : 2);
      const frames =
        format === "f32"
          ? new Float32Array(bytes.slice(dataAt).buffer)
          : (back.getSamples(true, Float64Array) as unknown as Float64Array);
      const scale = format === "f32" ? 1 : 32768;
      // WAV order FL FR FC LFE BL BR.
      expect([...frames].map((x) => Math.round((x / scale) * 10))).toEqual([1, 3, 2, 6, 4, 5]);
    }
    expect(new DataView(encodeWav(six, 48_000, { mappingFamily: 255 }).buffer).getUint32(40, true)).toBe(0);
  });

  it("writes raw little-endian interleaved samples for numpy", () => {
    const raw = encodeRaw([Float32Array.of(1, 2), Float32Array.of(3, 4)], "f32");
    expect([...new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4)]).toEqual([1, 3, 2, 4]);
    const s16 = encodeRaw([Float32Array.of(0.5)], "s16");
    expect([...new Int16Array(s16.buffer, s16.byteOffset, 1)]).toEqual([16384]);
  });

  it("refuses what it cannot write", () => {
    expect(() => encodeWav([], 48_000)).toThrow(/at least one channel/);
    expect(() => encodeWav([new Float32Array(1)], 44_100.5)).toThrow(/whole number/);
    expect(() => encodeWav([new Float32Array(1)], 48_000, { format: "u8" as never })).toThrow(/s16/);
  });
});
