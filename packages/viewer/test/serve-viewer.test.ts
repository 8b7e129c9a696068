import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseRange, serveViewer, ViewerError, type ViewerServer } from "@granule/viewer/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let dir: string;
let archive: string;
let server: ViewerServer;
const shard = new Uint8Array(1000).map((_, i) => i & 0xff);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "granule-viewer-"));
  archive = join(dir, "season.zarr");
  mkdirSync(join(archive, "000001", "ogg", "c"), { recursive: true });
  mkdirSync(join(archive, ".importing-host-1-ab"), { recursive: true });
  writeFileSync(join(archive, "zarr.json"), '{"zarr_format":3,"node_type":"group"}');
  writeFileSync(join(archive, "000001", "ogg", "c", "0"), shard);
  writeFileSync(join(archive, ".importing-host-1-ab", "zarr.json"), "{}");
  writeFileSync(join(dir, "secret.txt"), "outside the archive");
  symlinkSync(join(dir, "secret.txt"), join(archive, "link.txt"));
  server = await serveViewer({ archive, port: 0, host: "127.0.0.1" });
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A raw request (fetch would not let a test send a wrong Host header). */
function get(path: string, headers: Record<string, string> = {}, method = "GET") {
  const { port } = new URL(server.origin);
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
    (resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on("error", reject);
      req.end();
    },
  );
}

describe("serveViewer", () => {
  it("listens on 127.0.0.1 and gives the page's URL with the archive beside it", () => {
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url).toBe(`${server.origin}/?archive=archive%2F`);
  });

  it("serves the page with a Content-Security-Policy that allows WebAssembly, not eval", async () => {
    const page = await get("/");
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.body.toString()).toContain('<script type="module" src="viewer.js">');
    expect(page.headers["content-security-policy"]).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(page.headers["content-security-policy"]).not.toContain("'unsafe-eval'");
    const script = await get("/viewer.js");
    expect(script.status).toBe(200);
    expect(script.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect((await get("/decode-worker-web.js")).status).toBe(200);
    expect((await get("/viewer.css")).headers["content-type"]).toBe("text/css; charset=utf-8");
  });

  it("serves archive files whole and in Range requests (a-b, a-, -n), with ETag", async () => {
    const key = "/archive/000001/ogg/c/0";
    const whole = await get(key);
    expect(whole.status).toBe(200);
    expect(new Uint8Array(whole.body)).toEqual(shard);
    expect(whole.headers["accept-ranges"]).toBe("bytes");
    expect(whole.headers.etag).toMatch(/^"[0-9a-f]+-3e8-[0-9a-f]+"$/);
    expect(whole.headers["access-control-allow-origin"]).toBeUndefined();
    const part = await get(key, { range: "bytes=10-19" });
    expect(part.status).toBe(206);
    expect(part.headers["content-range"]).toBe("bytes 10-19/1000");
    expect(new Uint8Array(part.body)).toEqual(shard.subarray(10, 20));
    const tail = await get(key, { range: "bytes=-4" });
    expect([tail.status, tail.headers["content-range"]]).toEqual([206, "bytes 996-999/1000"]);
    expect(new Uint8Array(tail.body)).toEqual(shard.subarray(996));
    const open = await get(key, { range: "bytes=990-" });
    expect(new Uint8Array(open.body)).toEqual(shard.subarray(990));
    const past = await get(key, { range: "bytes=1000-1001" });
    expect([past.status, past.headers["content-range"]]).toEqual([416, "bytes */1000"]);
    const head = await get(key, {}, "HEAD");
    expect([head.status, head.headers["content-length"], head.body.length]).toEqual([200, "1000", 0]);
    expect(server.bytesSent).toBeGreaterThanOrEqual(1000 + 10 + 4 + 10);
  });

  it("refuses hidden names, paths out of the archive, symbolic links out, other methods and Hosts", async () => {
    expect((await get("/archive/.importing-host-1-ab/zarr.json")).status).toBe(404);
    expect((await get("/archive/../secret.txt")).status).toBe(404);
    expect((await get("/archive/%2e%2e/secret.txt")).status).toBe(404);
    expect((await get("/archive/000001/..%2f..%2fsecret.txt")).status).toBe(404);
    expect((await get("/archive/link.txt")).status).toBe(404);
    expect((await get("/archive/000001/ogg/c/9")).status).toBe(404);
    expect((await get("/../../etc/passwd")).status).toBe(404);
    expect((await get("/archive/zarr.json", {}, "PUT")).status).toBe(405);
    expect((await get("/", { host: "evil.example:80" })).status).toBe(421);
    expect((await get("/", { host: `localhost:${new URL(server.origin).port}` })).status).toBe(200);
  });

  it("serves only the page for an http(s) archive, naming its origin in connect-src", async () => {
    const remote = await serveViewer({ archive: "https://data.example.org/season.zarr" });
    try {
      expect(remote.url).toBe(
        `${remote.origin}/?archive=${encodeURIComponent("https://data.example.org/season.zarr")}`,
      );
      const page = await fetch(`${remote.origin}/`);
      expect(page.headers.get("content-security-policy")).toContain("connect-src 'self' https://data.example.org;");
      expect((await fetch(`${remote.origin}/archive/zarr.json`)).status).toBe(404);
    } finally {
      await remote.close();
    }
  });

  it("fails with a ViewerError for a folder that is not a collection, another host, a bad port", async () => {
    const refused = async (options: Parameters<typeof serveViewer>[0]) => {
      const error = await serveViewer(options).then(
        async (s) => {
          await s.close();
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ViewerError);
      return error as ViewerError;
    };
    expect((await refused({ archive: dir })).code).toBe("not-a-collection");
    expect((await refused({ archive: join(dir, "nothing") })).message).toContain("has no zarr.json");
    expect((await refused({ archive, host: "0.0.0.0" as "127.0.0.1" })).code).toBe("invalid-argument");
    expect((await refused({ archive, port: 70_000 })).code).toBe("invalid-argument");
    const busy = await refused({ archive, port: Number(new URL(server.origin).port) });
    expect(busy.code).toBe("listen-failed");
    expect((await refused({ archive, pageDirectory: dir })).code).toBe("not-built");
  });
});

describe("parseRange", () => {
  it("reads single ranges and leaves what it cannot honour to a whole answer", () => {
    expect(parseRange(undefined, 100)).toBeUndefined();
    expect(parseRange("bytes=0-0", 100)).toEqual([0, 0]);
    expect(parseRange("bytes=90-200", 100)).toEqual([90, 99]);
    expect(parseRange("bytes=-200", 100)).toEqual([0, 99]);
    expect(parseRange("bytes=-0", 100)).toBe("unsatisfiable");
    expect(parseRange("bytes=100-", 100)).toBe("unsatisfiable");
    expect(parseRange("bytes=5-2", 100)).toBeUndefined();
    expect(parseRange("bytes=0-1,5-6", 100)).toBeUndefined();
    expect(parseRange("items=0-1", 100)).toBeUndefined();
  });

  it("page files are what the package ships", () => {
    const html = readFileSync(new URL("../dist/page/index.html", import.meta.url), "utf8");
    expect(html).toContain("viewer.css");
  });
});
