import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  ByteSourceError,
  type ByteSourceWarning,
  createHttpClient,
  type HttpClientOptions,
  openHttpSource,
} from "@granule/byte-source";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HostileServer, startHostileServer } from "./hostile-server.ts";

/** A 300 kB object whose every byte depends on its position. */
const OBJECT = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7 + (i >> 8)) & 0xff);
// Timeouts long enough for a loaded machine; the stall tests shorten the one they test.
const SMALL: HttpClientOptions = {
  firstByteMs: 10_000,
  idleMs: 10_000,
  retryDelayMs: 5,
  maxResponseBytes: 4 * 1024 * 1024,
};
/** The most a runtime hands over in one piece of a body, and so the most read past a range. */
const PIECE_BYTES = 2 * 1024 * 1024;
let server: HostileServer;

beforeAll(async () => {
  server = await startHostileServer({ bytes: OBJECT });
});
afterAll(() => server?.close());

const slice = (start: number, end: number) => [...OBJECT.subarray(start, end)];
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("resolved, a ByteSourceError was expected");
    },
    (error: unknown) => {
      expect(error).toBeInstanceOf(ByteSourceError);
      return error as ByteSourceError;
    },
  );

describe("createHttpClient against a well-behaved server", () => {
  it("reads ranges, suffixes, open ends and whole objects, with size and version", async () => {
    const client = createHttpClient(SMALL);
    const part = await client.fetchRange(server.url("ok"), { start: 1000, end: 1100 });
    expect([part.status, part.size, [...part.bytes]]).toEqual([206, OBJECT.length, slice(1000, 1100)]);
    expect(part.version).toMatch(/^".+"$/);
    const tail = await client.fetchRange(server.url("ok"), { suffix: 64 });
    expect([...tail.bytes]).toEqual(slice(OBJECT.length - 64, OBJECT.length));
    const rest = await client.fetchRange(server.url("ok"), { start: 299_990 });
    expect([...rest.bytes]).toEqual(slice(299_990, 300_000));
    // An end past the object's is clamped by the server: the bytes there are.
    const clamped = await client.fetchRange(server.url("ok"), { start: 299_990, end: 400_000 });
    expect([...clamped.bytes]).toEqual(slice(299_990, 300_000));
    const whole = await client.fetchRange(server.url("ok"));
    expect([whole.status, whole.bytes.length]).toEqual([200, OBJECT.length]);
    const past = await client.fetchRange(server.url("ok"), { start: 400_000, end: 400_010 });
    expect([past.status, past.bytes.length, past.size]).toEqual([416, 0, OBJECT.length]);
    expect(await client.fetchSize(server.url("ok"))).toEqual({ size: OBJECT.length, version: part.version });
  });

  it("serves read after read over one kept-alive connection (no answer aborted once read)", async () => {
    const client = createHttpClient(SMALL);
    await client.fetchRange(server.url("ok"), { start: 0, end: 10 });
    server.reset();
    for (let i = 0; i < 5; i++) {
      const part = await client.fetchRange(server.url("ok"), { start: i * 40_000, end: i * 40_000 + 100_000 });
      expect(part.bytes.length).toBe(100_000);
    }
    expect(server.requests).toBe(5);
    // Without reading to the end each read would abort its connection: 5 new ones.
    expect(server.connections).toBeLessThanOrEqual(1);
  });

  it("refuses empty or negative ranges, and names a missing object not-found", async () => {
    const client = createHttpClient(SMALL);
    expect((await failure(client.fetchRange(server.url("ok"), { start: 5, end: 5 }))).code).toBe("invalid-argument");
    expect((await failure(client.fetchRange(server.url("ok"), { start: -1, end: 5 }))).code).toBe("invalid-argument");
    const missing = await failure(
      createHttpClient({ ...SMALL, fetch: async () => new Response("", { status: 404 }) }).fetchRange(
        "http://127.0.0.1:9/x",
        { start: 0, end: 10 },
      ),
    );
    expect([missing.code, missing.status, missing.url, missing.start, missing.end]).toEqual([
      "not-found",
      404,
      "http://127.0.0.1:9/x",
      0,
      10,
    ]);
  });
});

describe("servers without Range", () => {
  it("ignore-range: cuts the range out of the 200 body, stops reading there, warns once per origin", async () => {
    const warnings: ByteSourceWarning[] = [];
    const client = createHttpClient({ ...SMALL, onWarning: (w) => warnings.push(w) });
    const part = await client.fetchRange(server.url("ignore-range"), { start: 100_000, end: 100_100 });
    expect([part.status, part.size, [...part.bytes]]).toEqual([200, OBJECT.length, slice(100_000, 100_100)]);
    const tail = await client.fetchRange(server.url("ignore-range"), { suffix: 50 });
    expect([...tail.bytes]).toEqual(slice(OBJECT.length - 50, OBJECT.length));
    // Read as far as the range and one piece of the stream more (Bun's pieces are larger than
    // Node's), not the 16 MiB; another origin is warned about once too.
    const big = await startHostileServer({ bytes: new Uint8Array(16 * 1024 * 1024).fill(7) });
    try {
      const before = client.bytesReceived;
      const far = await client.fetchRange(big.url("ignore-range"), { start: 100_000, end: 100_100 });
      expect([...far.bytes]).toEqual(new Array(100).fill(7));
      expect(client.bytesReceived - before).toBeLessThan(100_100 + PIECE_BYTES);
      await client.fetchRange(big.url("ignore-range"), { start: 0, end: 10 });
      expect(warnings.map((w) => [w.code, w.url])).toEqual([
        ["range-ignored", server.url("ignore-range")],
        ["range-ignored", big.url("ignore-range")],
      ]);
      expect(warnings[0]!.message).toContain(server.origin);
    } finally {
      await big.close();
    }
  });

  it("chunked-200: a range, a suffix, and a source's size counted from the body", async () => {
    const client = createHttpClient(SMALL);
    const part = await client.fetchRange(server.url("chunked-200"), { start: 5000, end: 9000 });
    expect([part.status, [...part.bytes]]).toEqual([200, slice(5000, 9000)]);
    const tail = await client.fetchRange(server.url("chunked-200"), { suffix: 10 });
    expect([tail.size, [...tail.bytes]]).toEqual([OBJECT.length, slice(OBJECT.length - 10, OBJECT.length)]);
    const source = await openHttpSource(server.url("chunked-200"), SMALL);
    expect(source.size).toBe(OBJECT.length);
    expect([...(await source.read(299_000, 1000))]).toEqual(slice(299_000, 300_000));
  });

  it.each(["ok", "ignore-range", "chunked-200"] as const)(
    "%s: a source opened with firstBytes answers reads within them without a request",
    async (mode) => {
      server.reset();
      const source = await openHttpSource(server.url(mode), { ...SMALL, firstBytes: 4096 });
      expect(source.size).toBe(OBJECT.length);
      // One request, or more where the answer gives no size (chunked-200: it is counted).
      const opening = server.requests;
      expect([...(await source.read(0, 4096))]).toEqual(slice(0, 4096));
      expect([...(await source.read(100, 50))]).toEqual(slice(100, 150));
      expect(server.requests).toBe(opening);
      // A read past them, and one that starts inside and ends outside, go to the server.
      expect([...(await source.read(4096, 10))]).toEqual(slice(4096, 4106));
      expect([...(await source.read(4000, 200))]).toEqual(slice(4000, 4200));
      expect(server.requests).toBe(opening + 2);
      // What a read returns is the caller's: changing it changes no later read.
      (await source.read(0, 10)).fill(0);
      expect([...(await source.read(0, 10))]).toEqual(slice(0, 10));
    },
  );

  it("lastBytes: the end asked for at once and held; reads there need no request", async () => {
    server.reset();
    const source = await openHttpSource(server.url("ok"), { ...SMALL, firstBytes: 4096, lastBytes: 8192 });
    expect(server.requests).toBe(2);
    expect([...(await source.read(OBJECT.length - 8192, 8192))]).toEqual(slice(OBJECT.length - 8192, OBJECT.length));
    expect([...(await source.read(OBJECT.length - 100, 50))]).toEqual(slice(OBJECT.length - 100, OBJECT.length - 50));
    expect([...(await source.read(0, 4096))]).toEqual(slice(0, 4096));
    expect(server.requests).toBe(2);
    expect([...(await source.read(OBJECT.length - 8200, 100))]).toEqual(
      slice(OBJECT.length - 8200, OBJECT.length - 8100),
    );
    expect(server.requests).toBe(3);
  });

  it("lastBytes of a server that ignores Range: the tail's stream is stopped, not held", async () => {
    server.reset();
    const source = await openHttpSource(server.url("ignore-range"), { ...SMALL, firstBytes: 4096, lastBytes: 8192 });
    const opened = server.requests;
    expect([...(await source.read(OBJECT.length - 10, 10))]).toEqual(slice(OBJECT.length - 10, OBJECT.length));
    expect(server.requests).toBe(opened + 1);
  });

  it("lastBytes of an object that changes between the two answers: not held, and the next read says changed", async () => {
    const source = await openHttpSource(server.url("changing-etag"), { ...SMALL, lastBytes: 8192 });
    const error = await failure(source.read(OBJECT.length - 10, 10));
    expect(error.code).toBe("changed");
  });

  it("firstBytes beyond the object holds the whole object; a bad firstBytes is refused", async () => {
    server.reset();
    const source = await openHttpSource(server.url("ok"), { ...SMALL, firstBytes: 1_000_000 });
    expect([...(await source.read(299_000, 1000))]).toEqual(slice(299_000, 300_000));
    expect(server.requests).toBe(1);
    for (const firstBytes of [0, -1, 1.5, Number.NaN]) {
      const error = await failure(openHttpSource(server.url("ok"), { ...SMALL, firstBytes }));
      expect(error.code).toBe("invalid-argument");
    }
    for (const lastBytes of [-1, 2.5, Number.POSITIVE_INFINITY]) {
      const error = await failure(openHttpSource(server.url("ok"), { ...SMALL, lastBytes }));
      expect(error.code).toBe("invalid-argument");
    }
  });

  it("no-suffix: a 416 for a suffix range falls back to the size and a range by position", async () => {
    const client = createHttpClient(SMALL);
    const tail = await client.fetchRange(server.url("no-suffix"), { suffix: 8196 });
    expect([tail.status, tail.size, [...tail.bytes]]).toEqual([
      206,
      OBJECT.length,
      slice(OBJECT.length - 8196, OBJECT.length),
    ]);
    expect(server.log.slice(-3).map((line) => line.split(" ")[0])).toEqual(["GET", "HEAD", "GET"]);
  });
});

describe("wrong answers are errors, never other bytes", () => {
  it.each([
    ["wrong-content-range", "bad-range-response"],
    ["wrong-end", "bad-range-response"],
    ["short-body", "bad-range-response"],
  ] as const)("%s: %s, naming the URL and range", async (mode, code) => {
    const error = await failure(createHttpClient(SMALL).fetchRange(server.url(mode), { start: 2000, end: 3000 }));
    expect([error.code, error.url, error.start, error.end, error.status]).toEqual([
      code,
      server.url(mode),
      2000,
      3000,
      206,
    ]);
    expect(error.message).toContain(`GET ${server.url(mode)} bytes=2000-2999`);
  });

  it("premature-eof: retried, then premature-end with the URL and range", async () => {
    server.reset();
    const error = await failure(
      createHttpClient({ ...SMALL, retries: 2 }).fetchRange(server.url("premature-eof"), { start: 0, end: 200_000 }),
    );
    expect([error.code, error.start, error.end]).toEqual(["premature-end", 0, 200_000]);
    expect(error.message).toMatch(/connection closed after \d+ body bytes/);
    expect(server.requests).toBe(3);
  });

  it("changing-etag: a source's second read fails with changed", async () => {
    const source = await openHttpSource(server.url("changing-etag"), SMALL);
    const error = await failure(source.read(10, 10));
    expect([error.code, error.start, error.end]).toEqual(["changed", 10, 20]);
  });
});

describe("bounded time", () => {
  it("stall-headers: timeout after firstByteMs", async () => {
    const began = Date.now();
    const error = await failure(
      createHttpClient({ ...SMALL, firstByteMs: 400 }).fetchRange(server.url("stall-headers"), { start: 0, end: 10 }),
    );
    expect(error.code).toBe("timeout");
    expect(error.message).toContain("no answer within 400 ms");
    expect(Date.now() - began).toBeLessThan(8000);
  });

  it("stall-body: timeout after idleMs without body bytes", async () => {
    const began = Date.now();
    const error = await failure(
      createHttpClient({ ...SMALL, idleMs: 400 }).fetchRange(server.url("stall-body"), { start: 0, end: 100_000 }),
    );
    expect([error.code, error.start, error.end]).toEqual(["timeout", 0, 100_000]);
    expect(error.message).toContain("no body bytes for 400 ms");
    expect(Date.now() - began).toBeLessThan(8000);
  });

  it("a caller's abort ends a stalled request with the caller's reason", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("stop")), 50);
    const client = createHttpClient({ ...SMALL, firstByteMs: 60_000 });
    await expect(
      client.fetchRange(server.url("stall-headers"), { start: 0, end: 10 }, controller.signal),
    ).rejects.toThrow("stop");
  });
});

describe("bounded memory", () => {
  it("endless: a range reads its bytes and stops; a whole GET ends with too-large at the guard", async () => {
    server.reset();
    const client = createHttpClient(SMALL);
    const part = await client.fetchRange(server.url("endless"), { start: 250_000, end: 251_000 });
    expect([...part.bytes]).toEqual(slice(250_000, 251_000));
    const rssBefore = process.memoryUsage().rss;
    const error = await failure(client.fetchRange(server.url("endless")));
    expect(error.code).toBe("too-large");
    expect(error.message).toContain(`${4 * 1024 * 1024} bytes allowed`);
    expect(client.bytesReceived).toBeLessThan(4 * 1024 * 1024 + PIECE_BYTES);
    // The server was cut off soon after the guard, not left streaming.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.bytesSent).toBeLessThan(64 * 1024 * 1024);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(128 * 1024 * 1024);
  });

  it("huge: a 1 GiB answer to a small range costs the range; a whole GET is refused from its length", async () => {
    server.reset();
    const client = createHttpClient(SMALL);
    const began = Date.now();
    const part = await client.fetchRange(server.url("huge"), { start: 10, end: 20 });
    expect([...part.bytes]).toEqual(slice(10, 20));
    const error = await failure(client.fetchRange(server.url("huge")));
    expect(error.code).toBe("too-large");
    expect(error.message).toContain(`${1024 * 1024 * 1024} bytes`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.bytesSent).toBeLessThan(64 * 1024 * 1024);
    expect(Date.now() - began).toBeLessThan(8000);
  });

  it("a 200 that would stream past the guard to reach the range is refused before reading", async () => {
    const client = createHttpClient({ ...SMALL, maxResponseBytes: 100_000 });
    const error = await failure(client.fetchRange(server.url("ignore-range"), { start: 200_000, end: 200_010 }));
    expect(error.code).toBe("too-large");
    expect(client.bytesReceived).toBe(0);
  });
});

describe("retries and redirects", () => {
  it("flaky-5xx: a 503 is retried and the second answer used", async () => {
    server.reset();
    const part = await createHttpClient(SMALL).fetchRange(server.url("flaky-5xx"), { start: 0, end: 10 });
    expect([...part.bytes]).toEqual(slice(0, 10));
    expect(server.requests).toBe(2);
  });

  it("always-5xx: server-error with the status after a bounded number of tries", async () => {
    server.reset();
    const error = await failure(
      createHttpClient({ ...SMALL, retries: 2 }).fetchRange(server.url("always-5xx"), { start: 0, end: 10 }),
    );
    expect([error.code, error.status, error.start, error.end]).toEqual(["server-error", 500, 0, 10]);
    expect(server.requests).toBe(3);
  });

  it("reset: a connection reset before the answer is retried", async () => {
    server.reset();
    const part = await createHttpClient(SMALL).fetchRange(server.url("reset"), { start: 5, end: 15 });
    expect([...part.bytes]).toEqual(slice(5, 15));
    expect(server.requests).toBe(2);
  });

  it("a refused connection is connection-failed after the retries", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/x`;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(createHttpClient({ ...SMALL, retries: 1 }).fetchRange(url, { start: 0, end: 1 }));
    expect(error.code).toBe("connection-failed");
    expect(error.message).toMatch(/ECONNREFUSED|Connection refused/);
  });

  it("redirect: followed, and a loop ends with too-many-redirects", async () => {
    const client = createHttpClient(SMALL);
    const part = await client.fetchRange(server.url("redirect"), { start: 0, end: 10 });
    expect([[...part.bytes], part.url]).toEqual([slice(0, 10), server.url("ok")]);
    const error = await failure(client.fetchRange(server.url("redirect-loop"), { start: 0, end: 10 }));
    expect([error.code, error.status]).toEqual(["too-many-redirects", 302]);
  });
});
