import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bufferSource, buildIndex, httpSource, OpusError, writeSidecar } from "@granule/opus-index";
import { fileSource, indexFile, openSidecar, saveSidecar } from "@granule/opus-index/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadFixture } from "./fixtures.ts";

const FILE = "bitrate-510k.opus";
const path = fileURLToPath(new URL(`../../../fixtures/${FILE}`, import.meta.url));

describe("byte sources", () => {
  it("bufferSource returns views, and stops at the end", async () => {
    const bytes = loadFixture(FILE);
    const source = bufferSource(bytes);
    const part = await source.read(10, 20);
    expect(part.buffer).toBe(bytes.buffer);
    expect([...part]).toEqual([...bytes.subarray(10, 30)]);
    expect((await source.read(bytes.length - 5, 100)).length).toBe(5);
    await expect(source.read(-1, 5)).rejects.toThrow(OpusError);
  });

  it("fileSource reads exactly and indexes like the buffer", async () => {
    const source = await fileSource(path);
    try {
      expect(source.size).toBe(loadFixture(FILE).length);
      expect([...(await source.read(100, 50))]).toEqual([...loadFixture(FILE).subarray(100, 150)]);
    } finally {
      await source.close();
    }
    const fromFile = await indexFile(path, { workers: 0, batchBytes: 30_000 });
    const fromBuffer = await buildIndex(loadFixture(FILE), { workers: 0 });
    expect(writeSidecar(fromFile)).toEqual(writeSidecar(fromBuffer));
  });

  it("saves and reopens a sidecar next to a file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "granule-"));
    try {
      const index = await indexFile(path, { workers: 0 });
      await saveSidecar(index, join(dir, "x.idx"));
      expect((await openSidecar(join(dir, "x.idx"), path)).data).toEqual(index.data);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe("httpSource against a local server with Range support", () => {
  const bytes = loadFixture(FILE);
  let base = "";
  const log: string[] = [];
  const server = createServer((request, response) => {
    log.push(request.headers.range ?? "none");
    if (request.url === "/no-range") {
      response.writeHead(200, { "content-length": bytes.length });
      response.end(Buffer.from(bytes));
      return;
    }
    const match = /^bytes=(\d+)-(\d+)$/.exec(request.headers.range ?? "");
    if (!match) {
      response.writeHead(416);
      response.end();
      return;
    }
    const start = Number(match[1]);
    const end = Math.min(Number(match[2]), bytes.length - 1);
    response.writeHead(206, {
      "content-range": `bytes ${start}-${end}/${bytes.length}`,
      "content-length": end - start + 1,
    });
    response.end(Buffer.from(bytes.subarray(start, end + 1)));
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("learns the size, reads ranges, and indexes with one request per batch", async () => {
    log.length = 0;
    const source = await httpSource(`${base}/file.opus`);
    expect(source.size).toBe(bytes.length);
    expect([...(await source.read(1000, 10))]).toEqual([...bytes.subarray(1000, 1010)]);
    const before = source.requests;
    const index = await buildIndex(source, { workers: 0, batchBytes: 64 * 1024 });
    expect(writeSidecar(index)).toEqual(writeSidecar(await buildIndex(bytes, { workers: 0 })));
    // Two batches, then two small reads: the BOS page (is it Opus?) and the header packets.
    expect(source.requests - before).toBe(4);
  });

  // Deliberately changed: a server that ignores Range (200 with the whole file) used to fail
  // with "answered 200, not 206"; its bodies are now read as far as needed, with one warning.
  it("reads a server that ignores Range, reading each body only as far as needed, and warns once", async () => {
    const warnings: string[] = [];
    const source = await httpSource(`${base}/no-range`, { onWarning: (w) => warnings.push(w.code) });
    expect(source.size).toBe(bytes.length);
    expect([...(await source.read(1000, 10))]).toEqual([...bytes.subarray(1000, 1010)]);
    const index = await buildIndex(source, { workers: 0, batchBytes: 64 * 1024 });
    expect(writeSidecar(index)).toEqual(writeSidecar(await buildIndex(bytes, { workers: 0 })));
    expect(warnings).toEqual(["range-ignored"]);
  });
});
