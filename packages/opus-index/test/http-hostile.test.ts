// Plain URLs through misbehaving servers: the index is the file's, or a ByteSourceError names
// the server's fault; never an OpusError (which would call the file damaged), never a hang.
import { bufferSource, buildIndex, httpSource, OpusError, writeSidecar } from "@granule/opus-index";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HostileServer, startHostileServer } from "../../byte-source/test/hostile-server.ts";
import { loadFixture } from "./fixtures.ts";

const bytes = loadFixture("ffmpeg-stereo.opus");
const FAST = { firstByteMs: 10_000, idleMs: 10_000, retryDelayMs: 5 };
let server: HostileServer;
let expected: Uint8Array;

beforeAll(async () => {
  server = await startHostileServer({ bytes });
  expected = writeSidecar(await buildIndex(bufferSource(bytes), { workers: 0 }));
});
afterAll(() => server?.close());

describe("httpSource over servers that misbehave but hold the bytes", () => {
  it.each(["ignore-range", "chunked-200", "no-suffix", "flaky-5xx", "reset", "redirect"] as const)(
    "%s: indexes to the same index as the file",
    async (mode) => {
      const warnings: string[] = [];
      const source = await httpSource(server.url(mode), { ...FAST, onWarning: (w) => warnings.push(w.message) });
      expect(source.size).toBe(bytes.length);
      const index = await buildIndex(source, { workers: 0, batchBytes: 16 * 1024 });
      expect(writeSidecar(index)).toEqual(expected);
      expect(warnings).toHaveLength(mode === "ignore-range" || mode === "chunked-200" ? 1 : 0);
    },
  );
});

describe("httpSource over servers at fault", () => {
  it.each([
    ["wrong-content-range", "bad-range-response"],
    ["short-body", "bad-range-response"],
    ["premature-eof", "premature-end"],
    ["stall-body", "timeout"],
    ["always-5xx", "server-error"],
    ["changing-etag", "changed"],
  ] as const)("%s: a ByteSourceError %s naming the URL, not an OpusError", async (mode, code) => {
    const error = await httpSource(server.url(mode), {
      ...FAST,
      retries: 1,
      ...(mode === "stall-body" ? { idleMs: 300, firstByteMs: 1000 } : {}),
    })
      .then((source) => buildIndex(source, { workers: 0, batchBytes: 16 * 1024 }))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).not.toBeInstanceOf(OpusError);
    // Bun's fetch rejects by itself when a connection is cut right after the headers (the
    // first read is of one byte, so no body byte came): connection-failed there.
    const codes = mode === "premature-eof" ? /^(premature-end|connection-failed)$/ : new RegExp(`^${code}$`);
    expect(error).toMatchObject({ name: "ByteSourceError", code: expect.stringMatching(codes), url: server.url(mode) });
  });
});
