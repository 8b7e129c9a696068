// `granule` against misbehaving HTTP servers: a server without Range gives the right answer and
// one warning; a failing server a typed message naming the URL and range, exit 1.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ByteSourceError } from "@granule/byte-source";
import { importRecording, openCollection } from "@granule/zarr-opus/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HostileServer, startHostileServer } from "../../byte-source/test/hostile-server.ts";
import { describeError } from "../src/report-error.ts";
import { example, granule, granuleAsync } from "./cli.ts";

const dir = mkdtempSync(join(tmpdir(), "granule-http-"));
let plain: HostileServer;
let archived: HostileServer;
let id: string;

beforeAll(async () => {
  plain = await startHostileServer({ bytes: new Uint8Array(readFileSync(example)) });
  const archive = join(dir, "season.zarr");
  id = (await importRecording(await openCollection(archive, { create: true }), example)).id;
  archived = await startHostileServer({ root: archive });
}, 60_000);

afterAll(async () => {
  await plain?.close();
  await archived?.close();
  rmSync(dir, { recursive: true, force: true });
});

const infoOf = (stdout: string) => {
  const { source: _source, ...rest } = JSON.parse(stdout);
  return rest;
};

describe("granule info over HTTP", () => {
  it("a plain .opus from a server that ignores Range: the right answer, and one warning on stderr", async () => {
    const good = await granuleAsync(["info", plain.url("ok"), "--json"]);
    expect([good.code, good.stderr]).toEqual([0, ""]);
    const run = await granuleAsync(["info", plain.url("ignore-range"), "--json"]);
    expect(run.code).toBe(0);
    expect(infoOf(run.stdout)).toEqual(infoOf(good.stdout));
    const warnings = run.stderr.split("\n").filter((line) => line.includes("warning"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^granule: warning: http:\/\/127\.0\.0\.1:\d+ ignores Range requests/);
  });

  it("an archived recording from a server that ignores Range, and one that refuses suffix ranges", async () => {
    const good = await granuleAsync(["info", archived.url("ok", `/${id}`), "--json"]);
    expect(good.code).toBe(0);
    const clip = ["--start", "0.5", "--end", "1", "--format", "f32", "-o", "-"];
    const samples = await granuleAsync(["extract", archived.url("ok", `/${id}`), ...clip]);
    expect([samples.code, samples.bytes.length]).toEqual([0, 24_000 * 4]);
    for (const mode of ["ignore-range", "no-suffix"] as const) {
      // info reads only whole metadata objects; extract reads ranges of shards.
      const run = await granuleAsync(["info", archived.url(mode, `/${id}`), "--json"]);
      expect([run.code, infoOf(run.stdout)]).toEqual([0, infoOf(good.stdout)]);
      const extracted = await granuleAsync(["extract", archived.url(mode, `/${id}`), ...clip]);
      expect(extracted.code).toBe(0);
      expect(Buffer.compare(extracted.bytes, samples.bytes)).toBe(0);
      expect(extracted.stderr.split("\n").filter((line) => line.includes("warning"))).toHaveLength(
        mode === "ignore-range" ? 1 : 0,
      );
    }
    const verified = await granuleAsync(["verify", archived.url("no-suffix", `/${id}`)]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stdout).not.toMatch(/truncated-chunk/);
    const plainVerified = await granuleAsync(["verify", archived.url("ignore-range", `/${id}`)]);
    expect(plainVerified.code, plainVerified.stdout + plainVerified.stderr).toBe(0);
    expect(plainVerified.stderr.split("\n").filter((line) => line.includes("warning"))).toHaveLength(1);
  });

  it("a server that always fails: a typed server error naming the URL and range, exit 1", async () => {
    const run = await granuleAsync(["info", plain.url("always-5xx")]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^granule: the server failed: answered 500 Internal Server Error: a fault of the server \(GET http:\/\/127\.0\.0\.1:\d+\/always-5xx\/x\.opus bytes=0-65535\)\n$/,
    );
    const archive = await granuleAsync(["verify", archived.url("always-5xx", `/${id}`)]);
    expect(archive.code).toBe(1);
    expect(archive.stderr).toMatch(/^granule: the server failed: .*always-5xx/);
    expect(archive.stdout).not.toMatch(/truncated-chunk|damaged/);
  });
});

describe("describeError for byte-source faults", () => {
  it("says what each code means, keeps the URL and range, exit 1; a bad argument exit 2", () => {
    const where = { url: "http://h/x.opus", start: 10, end: 20, status: 206 };
    const cases: [ByteSourceError, RegExp][] = [
      [new ByteSourceError("timeout", "no answer within 30000 ms", where), /^the server did not answer in time: /],
      [
        new ByteSourceError("bad-range-response", "answered 206 with Content-Range bytes 0-9/100", where),
        /^the server answered with other bytes/,
      ],
      [
        new ByteSourceError("premature-end", "the connection closed after 5 body bytes", where),
        /^the server's answer ended early: /,
      ],
      [new ByteSourceError("changed", "the object changed", where), /^the file on the server changed/],
      [new ByteSourceError("too-large", "over the guard", where), /^the server's answer is larger than allowed: /],
      [new ByteSourceError("connection-failed", "ECONNREFUSED", where), /^could not reach the server: /],
    ];
    for (const [error, says] of cases) {
      const { message, code } = describeError(error);
      expect(code).toBe(1);
      expect(message).toMatch(says);
      expect(message).toMatch(/\(GET http:\/\/h\/x\.opus bytes=10-19\)$/);
    }
    expect(describeError(new ByteSourceError("invalid-argument", "cannot read -1 bytes at 0")).code).toBe(2);
  });
});

describe("a plain one-hour .opus URL with its sidecar next to it", () => {
  it("extracts 2 s reading the sidecar and a few ranges: at most 1 MiB and 16 requests, the file's samples", async () => {
    const { longOpus } = await import("../../zarr-opus/test/long-opus.ts");
    const hourDir = join(dir, "hour");
    mkdirSync(hourDir);
    const file = join(hourDir, "x.opus");
    writeFileSync(file, longOpus(3600));
    expect(granule(["index", file]).code).toBe(0);
    const range = ["--start", "1800", "--end", "1802", "--format", "f32", "-o", "-"];
    const local = granule(["extract", file, ...range]);
    expect([local.code, local.bytes.length]).toEqual([0, 96_000 * 2 * 4]); // stereo f32
    const server = await startHostileServer({ root: hourDir });
    try {
      const remote = await granuleAsync(["extract", server.url("ok", "/x.opus"), ...range]);
      expect(remote.code, remote.stderr).toBe(0);
      expect(Buffer.compare(remote.bytes, local.bytes)).toBe(0);
      console.log(
        `2 s from a 1 h URL with its sidecar: ${server.requests} requests, ${(server.bytesSent / 1024).toFixed(1)} KiB`,
      );
      expect(server.log.some((line) => line.startsWith("GET /ok/x.opus.idx"))).toBe(true);
      expect(server.requests).toBeLessThanOrEqual(16);
      expect(server.bytesSent).toBeLessThanOrEqual(1024 * 1024);
      // A sidecar of another file next to a URL is refused, as a local one is: never used.
      copyFileSync(example, join(hourDir, "y.opus"));
      copyFileSync(`${file}.idx`, join(hourDir, "y.opus.idx"));
      const wrong = await granuleAsync(["info", server.url("ok", "/y.opus")]);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/sidecar/);
    } finally {
      await server.close();
    }
  }, 120_000);
});
