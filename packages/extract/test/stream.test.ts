import {
  type DecodeWorker,
  ExtractError,
  encodeRaw,
  encodeWav,
  extract,
  extractMany,
  extractStream,
  inProcessDecoder,
  type PcmChunk,
  rawStream,
  type SegmentStream,
  wavHeader,
  wavStream,
} from "@granule/extract";
import { extractStream as extractStreamNode } from "@granule/extract/node";
import { type ByteSource, bufferSource, buildIndex, type Recording, recording } from "@granule/opus-index";
import { beforeAll, describe, expect, it } from "vitest";
import { identical, longOpus, open, sameBytes } from "./helpers.ts";

async function collect(stream: AsyncIterable<PcmChunk>): Promise<PcmChunk[]> {
  const chunks: PcmChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

/** The chunks joined: one array per channel. */
function join(chunks: readonly PcmChunk[]): Float32Array[] {
  const total = chunks.reduce((n, c) => n + c.channels[0]!.length, 0);
  return chunks[0]!.channels.map((_, ch) => {
    const out = new Float32Array(total);
    let at = 0;
    for (const chunk of chunks) {
      out.set(chunk.channels[ch]!, at);
      at += chunk.channels[ch]!.length;
    }
    return out;
  });
}

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

async function bytesOf(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of stream) parts.push(part.slice());
  return concatBytes(parts);
}

let long: Recording; // 10 minutes, mono
beforeAll(async () => {
  const bytes = longOpus(600);
  long = recording(await buildIndex(bytes, { workers: 0 }), bufferSource(bytes));
});

describe("extractStream: a segment as chunks", () => {
  it("gives contiguous chunks in order, exactly the range's samples, bit-identical to extract of the same range", async () => {
    const cases: [string, { startSample: number; endSample: number }, object][] = [
      ["ffmpeg-stereo.opus", { startSample: 1_000, endSample: 239_000 }, { maxWindowSeconds: 1 }],
      ["ffmpeg-5.1.opus", { startSample: 0, endSample: 144_000 }, { maxWindowSeconds: 1.5 }],
      ["ffmpeg-mono.opus", { startSample: 17, endSample: 18 }, {}],
      ["derived/chained-offset.opus", { startSample: 0, endSample: 0 }, { maxWindowSeconds: 1 }],
      [
        "derived/missing-page.opus",
        { startSample: 90_000, endSample: 200_000 },
        { fillHoles: true, maxWindowSeconds: 1 },
      ],
    ];
    for (const [file, given, options] of cases) {
      const rec = await open(file);
      const range = given.endSample > 0 ? given : { startSample: 0, endSample: rec.index.totalSamples };
      for (const workers of [0, 1, 2]) {
        const stream = extractStreamNode(rec, range, { ...options, workers });
        expect([stream.startSample, stream.endSample, stream.sampleRate]).toEqual([
          range.startSample,
          range.endSample,
          48_000,
        ]);
        const chunks = await collect(stream);
        let at = range.startSample;
        for (const chunk of chunks) {
          expect(chunk.startSample).toBe(at);
          expect(chunk.channels.length).toBe(stream.channelCount);
          expect(new Set(chunk.channels.map((c) => c.length)).size).toBe(1);
          at += chunk.channels[0]!.length;
        }
        expect(at, file).toBe(range.endSample);
        const whole = await extract(rec, range, options);
        expect(stream.filled).toEqual(whole.filled);
        expect(identical(join(chunks), whole.channels), `${file}, workers ${workers}`).toBe(true);
      }
    }
  }, 120_000);

  it("splits a long range into windows of maxWindowSeconds, decoded the same way by extract", async () => {
    const range = { startSample: 480_000, endSample: 480_000 + 185 * 48_000 };
    const windows: number[] = [];
    const whole = await extractMany(long, [range], { onProgress: (p) => windows.push(p.windowsTotal) });
    expect(windows[0]).toBe(7); // 185 s in windows of 30 s
    const chunks = await collect(extractStream(long, range));
    expect(chunks.map((c) => c.channels[0]!.length)).toEqual([...Array(6).fill(30 * 48_000), 5 * 48_000]);
    expect(identical(join(chunks), whole[0]!.channels)).toBe(true);
  }, 120_000);

  it("keeps at most a few windows alive, however long the range and however slow the consumer", async () => {
    const range = { startSample: 0, endSample: 120 * 48_000 };
    for (const workers of [0, 1, 2]) {
      let reads = 0;
      let decodes = 0;
      let consumed = 0;
      let worst = 0;
      const source: ByteSource = {
        size: long.source.size,
        read: (offset, length, signal) => {
          reads++;
          worst = Math.max(worst, reads - consumed);
          return long.source.read(offset, length, signal);
        },
      };
      const counted = recording(long.index, source);
      // In-process decoders behind the worker interface, so decodes can be counted too.
      const workerFactory = (): DecodeWorker => {
        const inner = inProcessDecoder();
        return {
          decode: (job, transfer) => {
            decodes++;
            worst = Math.max(worst, decodes - consumed);
            return inner.decode(job, transfer);
          },
          terminate: () => inner.terminate(),
        };
      };
      const stream = extractStream(counted, range, { workers, workerFactory, maxWindowSeconds: 2 });
      let samples = 0;
      for await (const chunk of stream) {
        samples += chunk.channels[0]!.length;
        // A slow consumer: the decoders must wait for it, not run ahead.
        for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 0));
        consumed++;
      }
      expect(samples).toBe(range.endSample);
      expect(consumed).toBe(60);
      expect(reads).toBe(60);
      // Windows read or decoded but not yet taken by the consumer: two per lane at most (a worker
      // has two lanes, so its next window is queued behind the one it decodes), plus the one it holds.
      const lanes = workers === 0 ? 1 : 2 * workers;
      expect(worst, `workers ${workers}`).toBeLessThanOrEqual(2 * lanes + 1);
    }
  }, 120_000);

  it("stops reading and decoding when the consumer stops early", async () => {
    let reads = 0;
    const source: ByteSource = {
      size: long.source.size,
      read: (offset, length, signal) => {
        reads++;
        return long.source.read(offset, length, signal);
      },
    };
    const stream = extractStreamNode(
      recording(long.index, source),
      { startSample: 0, endSample: long.index.totalSamples },
      {
        workers: 2,
        maxWindowSeconds: 2,
      },
    );
    for await (const chunk of stream) {
      expect(chunk.startSample).toBe(0);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(reads).toBeLessThanOrEqual(6);
  });

  it("refuses a range that is not one, before decoding anything, and reports damage as extract does", async () => {
    const rec = await open("ffmpeg-mono.opus");
    expect(() => extractStream(rec, { startSample: 10, endSample: 10 })).toThrow(RangeError);
    expect(() => extractStream(rec, { startSample: 0, endSample: 240_001 })).toThrow(/holds samples 0-240000/);
    const damaged = await open("derived/missing-page.opus");
    expect(() => extractStream(damaged, { startSample: 90_000, endSample: 100_000 })).toThrow(ExtractError);
    // An aborted signal: refused at once; aborted while streaming: the iteration rejects.
    const aborted = new AbortController();
    aborted.abort(new Error("stop"));
    expect(() => extractStream(rec, { startSample: 0, endSample: 1000 }, { signal: aborted.signal })).toThrow("stop");
    const controller = new AbortController();
    const chunks: PcmChunk[] = [];
    const run = (async () => {
      for await (const chunk of extractStream(
        rec,
        { startSample: 0, endSample: 240_000 },
        {
          signal: controller.signal,
          maxWindowSeconds: 1,
        },
      )) {
        chunks.push(chunk);
        controller.abort(new Error("enough"));
      }
    })();
    await expect(run).rejects.toThrow("enough");
    expect(chunks.length).toBe(1);
  });
});

describe("wavStream and rawStream: files written chunk by chunk", () => {
  it("give the same bytes as encodeWav and encodeRaw of the whole segment", async () => {
    for (const [file, range] of [
      ["ffmpeg-mono.opus", { startSample: 5, endSample: 200_005 }],
      ["ffmpeg-stereo.opus", { startSample: 0, endSample: 240_000 }],
      ["ffmpeg-5.1.opus", { startSample: 1_000, endSample: 140_000 }],
    ] as const) {
      const rec = await open(file);
      const whole = await extract(rec, range, { maxWindowSeconds: 1 });
      const mappingFamily = rec.index.head.mappingFamily;
      const stream = (): SegmentStream => extractStream(rec, range, { maxWindowSeconds: 1 });
      for (const format of ["s16", "f32"] as const) {
        const expected = encodeWav(whole.channels, whole.sampleRate, { format, mappingFamily });
        expect(sameBytes(await bytesOf(wavStream(stream(), { format })), expected), `${file} ${format}`).toBe(true);
        expect(sameBytes(await bytesOf(rawStream(stream(), format)), encodeRaw(whole.channels, format))).toBe(true);
      }
    }
  }, 120_000);

  it("writes RF64 when the data would not fit a RIFF size, and RIFF up to the last frame that fits", () => {
    // s16 stereo: 4 bytes a frame; RIFF holds file sizes up to 2^32 - 1 + 8 (44-byte header).
    const fits = Math.floor((0xffffffff - 36) / 4);
    const riff = wavHeader({ channelCount: 2, sampleRate: 48_000, frameCount: fits, format: "s16" });
    const riffView = new DataView(riff.buffer, riff.byteOffset, riff.byteLength);
    expect(new TextDecoder().decode(riff.subarray(0, 4))).toBe("RIFF");
    expect(riff.length).toBe(44);
    expect(riffView.getUint32(4, true)).toBe(36 + fits * 4);
    expect(riffView.getUint32(40, true)).toBe(fits * 4);

    const frames = fits + 1;
    const rf64 = wavHeader({ channelCount: 2, sampleRate: 48_000, frameCount: frames, format: "s16" });
    const view = new DataView(rf64.buffer, rf64.byteOffset, rf64.byteLength);
    const text = (bytes: Uint8Array, at: number) => new TextDecoder().decode(bytes.subarray(at, at + 4));
    // RF64 (EBU Tech 3306): a ds64 chunk with the 64-bit sizes first, -1 in the 32-bit fields.
    expect([0, 8, 12, 48, 72].map((at) => text(rf64, at))).toEqual(["RF64", "WAVE", "ds64", "fmt ", "data"]);
    expect(rf64.length).toBe(80);
    const dataBytes = frames * 4;
    expect(view.getUint32(4, true)).toBe(0xffffffff);
    expect(view.getUint32(16, true)).toBe(28);
    expect(view.getBigUint64(20, true)).toBe(BigInt(80 - 8 + dataBytes)); // RIFF size
    expect(view.getBigUint64(28, true)).toBe(BigInt(dataBytes)); // data size
    expect(view.getBigUint64(36, true)).toBe(BigInt(frames)); // sample count
    expect(view.getUint32(44, true)).toBe(0); // no table
    expect(view.getUint32(76, true)).toBe(0xffffffff);
    // The fmt chunk is the one a RIFF file has.
    expect(rf64.subarray(48, 72)).toEqual(riff.subarray(12, 36));
    // Float: the fact chunk's 32-bit count is -1 too, the true count in ds64.
    const f32 = wavHeader({ channelCount: 1, sampleRate: 48_000, frameCount: 2 ** 32, format: "f32" });
    const f32View = new DataView(f32.buffer, f32.byteOffset, f32.byteLength);
    expect(text(f32, 0)).toBe("RF64");
    expect(f32View.getBigUint64(36, true)).toBe(2n ** 32n);
    expect([text(f32, 74), text(f32, 86)]).toEqual(["fact", "data"]);
    expect(f32View.getUint32(82, true)).toBe(0xffffffff);
    expect(f32.length).toBe(94);
    expect(() => wavHeader({ channelCount: 0, sampleRate: 48_000, frameCount: 1 })).toThrow(/at least one channel/);
  });

  it("refuses a stream whose chunks do not add up to the samples its header promised", async () => {
    const chunks = [{ startSample: 0, channels: [new Float32Array(10)] }];
    const short = {
      startSample: 0,
      endSample: 20,
      channelCount: 1,
      sampleRate: 48_000,
      mappingFamily: 0,
      filled: [],
      async *[Symbol.asyncIterator]() {
        yield* chunks;
      },
    };
    await expect(bytesOf(wavStream(short))).rejects.toMatchObject({ code: "invalid-argument" });
    const gap = {
      ...short,
      endSample: 10,
      [Symbol.asyncIterator]: async function* () {
        yield { startSample: 1, channels: [new Float32Array(9)] };
      },
    };
    await expect(bytesOf(wavStream(gap))).rejects.toThrow(/sample 1.*expected 0|expected.*0/);
  });
});
