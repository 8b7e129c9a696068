import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// The Node entry: files, node:crypto, worker_threads. Runs in Node only (Deno and Bun run the
// portable tests; their worker_threads differ).
const isNode =
  typeof process !== "undefined" &&
  process.release?.name === "node" &&
  !("Deno" in globalThis) &&
  !("Bun" in globalThis);

(isNode ? describe : describe.skip)("Node entry", async () => {
  // From the build: worker threads start from the built worker script.
  const { encodeFile, encodeFiles, nodeSha256 } = await import("../dist/node.js");
  const dir = mkdtempSync(join(tmpdir(), "granule-encode-"));
  const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("encodeFile writes the pages and names the source; SHA-256 from node:crypto equals sha256sum's", async () => {
    const out = join(dir, "am.opus");
    const result = await encodeFile(fixture("audiomoth-1.11.1-guano.wav"), out, { serial: 3 });
    const sum = createHash("sha256")
      .update(readFileSync(fixture("audiomoth-1.11.1-guano.wav")))
      .digest("hex");
    expect(result.source).toMatchObject({ name: "audiomoth-1.11.1-guano.wav", sha256: sum });
    expect(readFileSync(out).length).toBe(result.opus.byteLength);
    const hash = nodeSha256();
    hash.update(new Uint8Array([1, 2, 3]));
    expect(hash.digestHex()).toBe(
      createHash("sha256")
        .update(Buffer.from([1, 2, 3]))
        .digest("hex"),
    );
  });

  it("a failed encode leaves no output file, not even a partial one", async () => {
    const bad = join(dir, "cut.wav");
    writeFileSync(bad, readFileSync(fixture("pcm-s16-16k-mono.wav")).subarray(0, 20000));
    const out = join(dir, "cut.opus");
    await expect(encodeFile(bad, out)).rejects.toMatchObject({ code: "truncated" });
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes(".partial-"))).toEqual([]);
  });

  it("encodeFiles on two worker threads: outcomes in input order, a failure does not stop the others", {
    timeout: 60_000,
  }, async () => {
    const names = ["pcm-s16-16k-mono.wav", "ultrasonic-384k.wav", "not-there.wav", "flac-16k-mono.flac"];
    const jobs = names.map((name, i) => ({ input: fixture(name), output: join(dir, `job-${i}.opus`) }));
    const outcomes = await encodeFiles(jobs, { workers: 2, serial: 9, fileNameModule: "@granule/zarr-opus" });
    expect(outcomes.map((o) => ("result" in o ? o.result.source.name : "error"))).toEqual([
      "pcm-s16-16k-mono.wav",
      "ultrasonic-384k.wav",
      "error",
      "flac-16k-mono.flac",
    ]);
    const single = await encodeFile(fixture("ultrasonic-384k.wav"), join(dir, "single.opus"), { serial: 9 });
    expect(readFileSync(join(dir, "job-1.opus"))).toEqual(readFileSync(join(dir, "single.opus")));
    expect("result" in outcomes[1]! && outcomes[1].result.opus).toEqual(single.opus);
  });
});
