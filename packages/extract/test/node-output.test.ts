import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { encodeRaw, encodeWav, extract, type PcmChunk, rawStream, wavStream } from "@granule/extract";
import { extractStream, writeChunks, writeWavStream } from "@granule/extract/node";
import { afterAll, describe, expect, it } from "vitest";
import { open, sameBytes } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "granule-extract-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("writing streams to files and Writables (Node)", () => {
  it("writes a WAV or raw stream to a path, the same bytes as encoding the whole segment", async () => {
    const rec = await open("ffmpeg-stereo.opus");
    const range = { startSample: 3, endSample: 230_000 };
    const whole = await extract(rec, range, { maxWindowSeconds: 1 });
    const path = join(dir, "a.wav");
    await writeWavStream(path, extractStream(rec, range, { maxWindowSeconds: 1, workers: 2 }), { format: "f32" });
    expect(sameBytes(new Uint8Array(readFileSync(path)), encodeWav(whole.channels, 48_000, { format: "f32" }))).toBe(
      true,
    );
    const raw = join(dir, "a.s16");
    await writeChunks(raw, rawStream(extractStream(rec, range, { maxWindowSeconds: 1 }), "s16"));
    expect(sameBytes(new Uint8Array(readFileSync(raw)), encodeRaw(whole.channels, "s16"))).toBe(true);
  }, 120_000);

  it("writes to a Writable, waiting for it to drain, and leaves it open", async () => {
    const rec = await open("ffmpeg-mono.opus");
    const range = { startSample: 0, endSample: 240_000 };
    const received: Uint8Array[] = [];
    let waits = 0;
    // A small high-water mark: write() says "wait" after every chunk.
    const sink = new Writable({
      highWaterMark: 16,
      write(chunk: Uint8Array, _encoding, done) {
        received.push(new Uint8Array(chunk));
        setTimeout(done, 1);
      },
    });
    sink.on("drain", () => waits++);
    await writeChunks(sink, wavStream(extractStream(rec, range, { maxWindowSeconds: 1 })));
    expect(sink.writableEnded).toBe(false);
    expect(waits).toBeGreaterThan(1);
    const bytes = new Uint8Array(received.reduce((n, r) => n + r.length, 0));
    let at = 0;
    for (const r of received) {
      bytes.set(r, at);
      at += r.length;
    }
    const whole = await extract(rec, range, { maxWindowSeconds: 1 });
    expect(sameBytes(bytes, encodeWav(whole.channels, 48_000))).toBe(true);
  }, 120_000);

  it("removes a partly written file when the stream fails, and rejects with the stream's error", async () => {
    const path = join(dir, "broken.wav");
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(100);
      throw new Error("decoder gave up");
    }
    await expect(writeChunks(path, failing())).rejects.toThrow("decoder gave up");
    expect(existsSync(path)).toBe(false);
    // A Writable that fails while writeChunks waits for it to drain: the error comes back.
    const sink = new Writable({
      highWaterMark: 1,
      write(_chunk, _encoding, done) {
        setTimeout(() => done(new Error("disk full")), 5);
      },
    });
    sink.on("error", () => {});
    const chunks = (async function* () {
      for (let i = 0; i < 5; i++) yield new Uint8Array(10);
    })();
    await expect(writeChunks(sink, chunks)).rejects.toThrow("disk full");
    // And one already destroyed.
    const gone = new PassThrough();
    gone.destroy();
    await expect(writeChunks(gone, (async function* () {})())).rejects.toThrow(/destroyed/);
  });

  it("gives a stream of chunks that the Node and main entries make alike", async () => {
    const rec = await open("ffmpeg-stereo.opus");
    const range = { startSample: 0, endSample: 100_000 };
    const chunks: PcmChunk[] = [];
    for await (const chunk of extractStream(rec, range, { workers: 1, maxWindowSeconds: 1 })) chunks.push(chunk);
    expect(chunks.map((c) => c.startSample)).toEqual([0, 48_000, 96_000]);
  });
});
