// An archive over misbehaving servers: the same bytes, samples and verify report as from the
// directory, or a ByteSourceError naming the server's fault; never a report of archive damage.
import { join } from "node:path";
import { extract } from "@granule/extract";
import { HttpStore, importRecording, openCollection, openRecording, verifyRecording } from "@granule/zarr-opus/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HostileServer, startHostileServer } from "../../byte-source/test/hostile-server.ts";
import { fixturePath, loadFixture } from "./fixtures.ts";
import { tempDir } from "./temp-dir.ts";

const temp = tempDir();
const archive = join(temp.path, "archive.zarr");
const FAST = { firstByteMs: 10_000, idleMs: 10_000, retryDelayMs: 5 };
const stereo = loadFixture("ffmpeg-stereo.opus");
const RANGE = { startSample: 48_000, endSample: 96_000 };
let server: HostileServer;
let id: string;
let localSamples: Float32Array[];

beforeAll(async () => {
  const collection = await openCollection(archive, { create: true });
  id = (await importRecording(collection, fixturePath("ffmpeg-stereo.opus"), { chunkBytes: 8192, shardBytes: 32_768 }))
    .id;
  localSamples = (await extract(await openRecording(collection, id), RANGE)).channels;
  server = await startHostileServer({ root: archive });
}, 60_000);

afterAll(async () => {
  await server?.close();
  temp.remove();
});

describe("an archive over servers that misbehave but hold the bytes", () => {
  it.each(["ignore-range", "chunked-200", "no-suffix", "flaky-5xx", "reset", "redirect"] as const)(
    "%s: opens, reads, extracts the same samples and verifies intact",
    async (mode) => {
      const warnings: string[] = [];
      const store = new HttpStore(server.url(mode, "/"), { ...FAST, onWarning: (w) => warnings.push(w.code) });
      const collection = await openCollection(store);
      const recording = await openRecording(collection, id);
      expect([...(await recording.source.read(40_000, 100))]).toEqual([...stereo.subarray(40_000, 40_100)]);
      const segment = await extract(recording, RANGE);
      segment.channels.forEach((channel, c) => {
        expect(Buffer.compare(Buffer.from(channel.buffer), Buffer.from(localSamples[c]!.buffer))).toBe(0);
      });
      // Over a server that answers suffix ranges 416, shard indexes are not "truncated-chunk".
      const report = await verifyRecording(collection, id);
      expect([report.ok, report.intact, report.problems]).toEqual([true, true, []]);
      expect(warnings).toEqual(mode === "ignore-range" || mode === "chunked-200" ? ["range-ignored"] : []);
    },
  );
});

describe("an archive over servers at fault", () => {
  it.each([
    ["always-5xx", "server-error"],
    ["stall-headers", "timeout"],
    ["wrong-content-range", "bad-range-response"],
  ] as const)("%s: opening fails with the ByteSourceError %s", async (mode, code) => {
    const store = new HttpStore(server.url(mode, "/"), { ...FAST, retries: 1, firstByteMs: 1000 });
    const error = await openCollection(store)
      .then((collection) => openRecording(collection, id))
      .then((recording) => recording.source.read(0, 100))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toMatchObject({ name: "ByteSourceError", code });
  });

  it("verify fails with the server's fault when shard reads fail, and reports no damage", async () => {
    // Metadata from a good server, shard bytes from one that answers 500.
    const faulty: typeof fetch = (input, init) => {
      const url = String(input).replace("/ok/", /\/ogg\/c\//.test(String(input)) ? "/always-5xx/" : "/ok/");
      return globalThis.fetch(url, init);
    };
    const collection = await openCollection(
      new HttpStore(server.url("ok", "/"), { ...FAST, retries: 1, fetch: faulty }),
    );
    const error = await verifyRecording(collection, id).then(
      (report) => report,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: "ByteSourceError", code: "server-error", status: 500 });
    expect((error as Error).message).toMatch(/\/ogg\/c\/\d/);
  });

  it("premature-eof in shard data: premature-end with the URL and range, not truncated-chunk", async () => {
    const cut: typeof fetch = (input, init) => {
      const url = String(input).replace("/ok/", /\/ogg\/c\//.test(String(input)) ? "/premature-eof/" : "/ok/");
      return globalThis.fetch(url, init);
    };
    const collection = await openCollection(new HttpStore(server.url("ok", "/"), { ...FAST, retries: 0, fetch: cut }));
    const recording = await openRecording(collection, id);
    const error = await recording.source.read(0, 20_000).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "ByteSourceError", code: "premature-end" });
    expect((error as { url: string }).url).toMatch(/\/ogg\/c\/0$/);
    // The first shard read is its index, at its end: a suffix range.
    const { start, suffix } = error as { start?: number; suffix?: number };
    expect(start ?? suffix).toBeTypeOf("number");
    expect((error as Error).message).toMatch(/bytes=\d*-\d*\)$/);
  });
});
