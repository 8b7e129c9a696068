// The whole-process benchmark harness (bench/whole-process) judges granule's outputs and counts
// its round trips: its own pieces must be right, or a row could pass or fail for nothing.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readPages } from "@granule/ogg-pages";
import { afterAll, describe, expect, it } from "vitest";

// By URL: the harness is plain JavaScript without type declarations.
const load = (name: string) => import(new URL(`../bench/whole-process/${name}`, import.meta.url).href);
const server = await load("delay-server.mjs");
const pcm = await load("check-pcm.mjs");
const inputs = await load("inputs.mjs");
const measure = await load("measure.mjs");

const dir = mkdtempSync(join(tmpdir(), "granule-bench-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("sequential round trips", () => {
  it("counts the longest chain of requests each started after the previous ended", () => {
    const log = [
      { startMs: 0, endMs: 50, bytes: 10 },
      { startMs: 10, endMs: 60, bytes: 20 },
      { startMs: 70, endMs: 120, bytes: 30 },
      { startMs: 70, endMs: 130, bytes: 40 },
      { startMs: 130, endMs: 180, bytes: 50 },
    ];
    expect(server.summariseRequests(log)).toEqual({
      requests: 5,
      bytes: 150,
      sequentialRoundTrips: 3,
      unfinished: 0,
      hungUp: 0,
    });
  });
});

describe("delay server", () => {
  it("answers a byte range after the delay and logs it", async () => {
    writeFileSync(
      join(dir, "data.bin"),
      Uint8Array.from({ length: 1000 }, (_, i) => i % 256),
    );
    const running = await server.startDelayServer({ root: dir, delayMs: 40 });
    try {
      const started = performance.now();
      const response = await fetch(`${running.url}/data.bin`, { headers: { range: "bytes=100-109" } });
      const body = new Uint8Array(await response.arrayBuffer());
      expect(performance.now() - started).toBeGreaterThanOrEqual(39);
      expect(response.status).toBe(206);
      expect(response.headers.get("content-range")).toBe("bytes 100-109/1000");
      expect([...body]).toEqual([100, 101, 102, 103, 104, 105, 106, 107, 108, 109]);
      expect((await fetch(`${running.url}/../etc/passwd`)).status).toBeGreaterThanOrEqual(400);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const summary = server.summariseRequests(running.requests());
      expect(summary.requests).toBe(2);
      expect(summary.bytes).toBe(10);
    } finally {
      await running.close();
    }
  });
});

describe("inputs", () => {
  it("a file with its serial rewritten is valid Ogg with other bytes", () => {
    const original = readFileSync(new URL("../fixtures/opusenc-mono.opus", import.meta.url));
    const changed = inputs.withSerial(original, 12345);
    expect(changed.length).toBe(original.length);
    expect(Buffer.compare(Buffer.from(changed), original)).not.toBe(0);
    const pages = [...readPages(changed)];
    expect(pages.length).toBe([...readPages(original)].length);
    expect(pages.every((p) => p.serial === 12345)).toBe(true);
  });

  it("seeded segments are the same in every run", () => {
    const a = inputs.seededRandom(7);
    const b = inputs.seededRandom(7);
    const first = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(first);
    expect(first.every((x: number) => x >= 0 && x < 1)).toBe(true);
  });
});

describe("output check", () => {
  const reference = join(dir, "ref.f32");
  const samples = Float32Array.from({ length: 4800 }, (_, i) => Math.sin(i * 0.37) * 0.5 + Math.sin(i * 0.011) * 0.3);
  writeFileSync(reference, samples);

  it("passes the same samples and fails a shift by one sample or a wrong length", () => {
    writeFileSync(join(dir, "same.f32"), samples.subarray(1000, 2000));
    writeFileSync(join(dir, "shifted.f32"), samples.subarray(1001, 2001));
    writeFileSync(join(dir, "short.f32"), samples.subarray(1000, 1999));
    const check = (file: string) =>
      pcm.compareSegments({ files: [join(dir, file)], segments: [[1000, 2000]], reference });
    expect(check("same.f32")).toMatchObject({ ok: true, worstSnrDb: Number.POSITIVE_INFINITY });
    expect(check("shifted.f32").ok).toBe(false);
    expect(check("short.f32")).toMatchObject({ ok: false });
    expect(check("short.f32").message).toContain("999 samples, expected 1000");
  });
});

describe("reports", () => {
  it("shows a long run of files as first ... last", () => {
    const files = Array.from({ length: 6 }, (_, i) => `/d/s${i}.opus`);
    expect(measure.displayCommandLine(["node", "granule.js", "import", ...files, "--archive", "a b"])).toBe(
      "node granule.js import /d/s0.opus ... /d/s5.opus (6 files) --archive 'a b'",
    );
  });
});
