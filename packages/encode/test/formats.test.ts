import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import { EncodeError, type EncodeResult, encodeToBytes } from "../src/index.ts";
import { loadFixture, makeWav, roundTrip, testSignal } from "./helpers.ts";

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** The fixtures made by sox, ffmpeg and flac (test/fixtures/make-fixtures.sh), and what each must give. */
const FIXTURES: Array<[string, Partial<EncodeResult["source"]>, string]> = [
  ["pcm-u8-8k-mono.wav", { format: "wav", sampleRate: 8000, channels: 1, bitsPerSample: 8, frames: 8000 }, "upsampled"],
  [
    "pcm-s16-16k-mono.wav",
    { format: "wav", sampleRate: 16000, channels: 1, bitsPerSample: 16, frames: 16000 },
    "upsampled",
  ],
  ["pcm-s32-12k-mono.wav", { format: "wav", sampleRate: 12000, bitsPerSample: 32, frames: 6000 }, "upsampled"],
  [
    "pcm-s24-48k-stereo.wav",
    { format: "wav", sampleRate: 48000, channels: 2, bitsPerSample: 24, frames: 12000 },
    "native",
  ],
  ["float32-24k-mono.wav", { sampleRate: 24000, bitsPerSample: 32, sampleFormat: "float", frames: 12000 }, "upsampled"],
  ["float64-8k-mono.wav", { sampleRate: 8000, bitsPerSample: 64, sampleFormat: "float", frames: 4000 }, "upsampled"],
  ["extensible-6ch-16k.wav", { sampleRate: 16000, channels: 6, bitsPerSample: 16, frames: 4000 }, "upsampled"],
  ["rf64-48k-mono.wav", { format: "rf64", sampleRate: 48000, frames: 12000 }, "native"],
  ["streamed-48k-mono.wav", { format: "wav", sampleRate: 48000, frames: 12000, declaredFrames: 12000 }, "native"],
  ["ultrasonic-96k.wav", { sampleRate: 96000, frames: 9600 }, "time-expanded"],
  ["ultrasonic-250k.wav", { sampleRate: 250000, frames: 25000 }, "time-expanded"],
  ["ultrasonic-384k.wav", { sampleRate: 384000, frames: 38400 }, "time-expanded"],
  [
    "flac-16k-mono.flac",
    { format: "flac", sampleRate: 16000, bitsPerSample: 16, frames: 16000, md5Checked: true },
    "upsampled",
  ],
  [
    "flac-24bit-96k-stereo.flac",
    { format: "flac", sampleRate: 96000, channels: 2, bitsPerSample: 24, frames: 9600, md5Checked: true },
    "time-expanded",
  ],
  ["ogg-flac-16k-mono.oga", { format: "ogg-flac", sampleRate: 16000, frames: 16000, md5Checked: true }, "upsampled"],
];

describe("source formats (real-tool fixtures)", () => {
  for (const [file, expected, kind] of FIXTURES) {
    it(`${file}: ${kind}, exact length, SHA-256 of the source bytes`, async () => {
      const bytes = loadFixture(file);
      const { result, decoded } = await roundTrip(bytes);
      expect(result.source).toMatchObject({
        ...expected,
        byteLength: bytes.length,
        truncated: false,
        sha256: hex(sha256(bytes)),
      });
      expect(result.ratePlan.kind).toBe(kind);
      const factor = result.ratePlan.kind === "upsampled" ? result.ratePlan.upsampleFactor : 1;
      expect(decoded.length).toBe(result.source.channels);
      for (const channel of decoded) expect(channel.length).toBe(result.source.frames * factor);
    });
  }

  it("a FLAC made from a WAV encodes to the same decoded length and nearly the same samples", async () => {
    const fromWav = await roundTrip(loadFixture("pcm-s16-16k-mono.wav"));
    const fromFlac = await roundTrip(loadFixture("flac-16k-mono.flac"));
    expect(fromFlac.result.opus.totalSamples).toBe(fromWav.result.opus.totalSamples);
    let maxDiff = 0;
    for (let i = 0; i < fromWav.decoded[0]!.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs(fromWav.decoded[0]![i]! - fromFlac.decoded[0]![i]!));
    expect(maxDiff).toBeLessThan(1e-3);
  });

  it("the same file as bytes, as a ByteSource and as a ReadableStream in odd chunks gives the same pages", async () => {
    const bytes = loadFixture("audiomoth-1.11.1-guano.wav");
    const a = await encodeToBytes(bytes, { serial: 5 });
    const b = await encodeToBytes({ size: bytes.length, read: async (o, n) => bytes.slice(o, o + n) }, { serial: 5 });
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 777) controller.enqueue(bytes.slice(at, at + 777));
        controller.close();
      },
    });
    const c = await encodeToBytes(stream, { serial: 5 });
    expect(b.bytes).toEqual(a.bytes);
    expect(b.result.source.sha256).toBe(a.result.source.sha256);
    // The stream could not look ahead: its GUANO (after the audio) is described but not in OpusTags.
    expect(c.result.source.sha256).toBe(a.result.source.sha256);
    expect(c.result.metadata.guano?.raw).toBe(a.result.metadata.guano?.raw);
    expect(c.result.tags.some((t) => t.startsWith("GUANO="))).toBe(false);
    expect(a.result.tags.some((t) => t.startsWith("GUANO="))).toBe(true);
    expect(c.result.warnings.some((w) => /GUANO metadata came after the audio/.test(w))).toBe(true);
  });

  it("a 44.1 kHz source is resampled to 48 kHz by the band-limited resampler, recorded as such", async () => {
    const { result } = await encodeToBytes(loadFixture("pcm-s16-44k1-mono.wav"));
    expect(result.ratePlan).toMatchObject({ kind: "resampled", resampledFrom: 44_100 });
    expect(result.opus.totalSamples).toBe(Math.floor((result.source.frames * 48_000 + 22_050) / 44_100));
    expect(result.tags).toContain("RESAMPLED_FROM=44100");
  });
});

// Damage, made from valid files. Every case: a typed error with its offset, never a result.
function withBytes(bytes: Uint8Array, edit: (b: Uint8Array, view: DataView) => unknown): Uint8Array {
  const copy = bytes.slice();
  edit(copy, new DataView(copy.buffer));
  return copy;
}
const base = makeWav(testSignal(16000, 1600, 300, 3000), 16000); // 44-byte header, data at 36
const expectError = async (input: Uint8Array, code: string, byteOffset?: number, message?: RegExp) => {
  const error = await encodeToBytes(input).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EncodeError);
  expect(error).toMatchObject({ code, ...(byteOffset === undefined ? {} : { byteOffset }) });
  if (message) expect((error as Error).message).toMatch(message);
};

describe("damaged WAV files", () => {
  it("a data chunk cut short: truncated at the end of the file, or encoded as what there is with keepTruncated", async () => {
    const cut = base.subarray(0, 44 + 1000);
    await expectError(cut, "truncated", 1044, /says 3200 bytes but the file ends after 1000/);
    const { result, decoded } = await roundTrip(cut, { keepTruncated: true });
    expect(result.source).toMatchObject({ frames: 500, declaredFrames: 1600, truncated: true });
    expect(decoded[0]!.length).toBe(1500);
    expect(result.warnings.some((w) => /cut off at byte 1044/.test(w))).toBe(true);
  });

  it("a partial last frame is truncated too", async () => {
    const odd = withBytes(base.subarray(0, 44 + 1001), (_, v) => v.setUint32(40, 1001, true));
    await expectError(odd, "truncated", 1045, /inside a frame: 1 bytes of a 2-byte frame/);
  });

  it("a chunk before the data whose size runs past the end", async () => {
    const junk = new Uint8Array([..."JUNK"].map((c) => c.charCodeAt(0)).concat([0xff, 0xff, 0, 0]));
    const bad = new Uint8Array([...base.subarray(0, 36), ...junk, ...base.subarray(36)]);
    await expectError(bad, "bad-header", 36, /chunk "JUNK" at byte 36 says 65535 bytes/);
  });

  it("a data size of 0 (a recorder that never finished the file)", async () => {
    await expectError(
      withBytes(base, (_, v) => v.setUint32(40, 0, true)),
      "empty",
      36,
      /0 bytes; 3200 bytes follow/,
    );
  });

  it("a fmt chunk that lies about its frame size", async () => {
    await expectError(
      withBytes(base, (_, v) => v.setUint16(32, 3, true)),
      "bad-header",
      20,
      /contradicts itself/,
    );
    await expectError(
      withBytes(base, (_, v) => v.setUint16(22, 0, true)),
      "bad-header",
      22,
    );
  });

  it("a codec the reader does not decode (ADPCM) and a file that is not audio", async () => {
    await expectError(
      withBytes(base, (_, v) => v.setUint16(20, 2, true)),
      "unsupported-format",
      20,
      /0x0002 \(ADPCM\)/,
    );
    await expectError(new TextEncoder().encode("hello, not a recording at all"), "unknown-format", 0);
    await expectError(new Uint8Array(0), "unknown-format", 0);
  });

  it("Ogg Opus input is refused: it is imported as it is", async () => {
    const { bytes } = await encodeToBytes(base);
    await expectError(bytes, "unsupported-format", 0, /Ogg Opus already/);
  });

  it("odd-sized unknown chunks with their pad byte, and LIST chunks that are not INFO, are skipped", async () => {
    const odd = (id: string, size: number) =>
      [...id].map((c) => c.charCodeAt(0)).concat([size, 0, 0, 0], new Array(size + (size & 1)).fill(7));
    const bad = new Uint8Array([...base.subarray(0, 36), ...odd("abcd", 5), ...odd("LIST", 3), ...base.subarray(36)]);
    const { result, decoded } = await roundTrip(bad);
    expect(decoded[0]!.length).toBe(4800);
    expect(result.metadata.info).toEqual([]);
  });

  it("a guan chunk full of junk: a warning, or bad-metadata with strictMetadata", async () => {
    const junk = Array.from({ length: 40 }, (_, i) => (i * 37 + 11) % 256);
    const chunk = [..."guan"].map((c) => c.charCodeAt(0)).concat([40, 0, 0, 0], junk);
    const bad = new Uint8Array([...base.subarray(0, 36), ...chunk, ...base.subarray(36)]);
    const { result } = await roundTrip(bad);
    expect(result.warnings.some((w) => /GUANO/.test(w))).toBe(true);
    await expect(encodeToBytes(bad, { strictMetadata: true })).rejects.toMatchObject({
      code: "bad-metadata",
      byteOffset: 36,
    });
  });

  it("a second data chunk is refused rather than dropped", async () => {
    const data = base.subarray(36);
    await expectError(new Uint8Array([...base, ...data]), "unsupported-format", base.length, /second data chunk/);
  });
});

describe("damaged FLAC files", () => {
  const flac = loadFixture("flac-16k-mono.flac");
  it("a FLAC file cut short", async () => {
    await expectError(
      flac.subarray(0, Math.floor(flac.length / 2)),
      "truncated",
      undefined,
      /ends after \d+ of the 16000 frames/,
    );
  });
  it("a FLAC file with a damaged byte in the audio", async () => {
    const error = await encodeToBytes(
      withBytes(flac, (b) => {
        b[Math.floor(b.length / 2)]! ^= 0x5a;
      }),
    ).catch((e) => e);
    expect(error).toBeInstanceOf(EncodeError);
    expect(["bad-data", "truncated"]).toContain(error.code);
  });
  it("a FLAC file whose metadata blocks run past the end", async () => {
    await expectError(flac.subarray(0, 30), "truncated", 8);
  });
});

describe("options", () => {
  it("refuses settings libopus cannot take", async () => {
    for (const options of [
      { frameSizeMs: 7 },
      { complexity: 11 },
      { bitrate: 100 },
      { application: "music" },
      { serial: -1 },
    ]) {
      await expect(encodeToBytes(base, options as never)).rejects.toMatchObject({ code: "invalid-argument" });
    }
  });
  it("bitrate, application and complexity reach the encoder and ENCODER_OPTIONS", async () => {
    const { result } = await encodeToBytes(base, { bitrate: 24000, application: "voip", complexity: 3 });
    expect(result.encoder).toMatchObject({ bitrate: 24000, application: "voip", complexity: 3, libopus: "1.3.1" });
    expect(result.tags).toContain("ENCODER_OPTIONS=--bitrate 24000 --framesize 20 --application voip --complexity 3");
  });
});
