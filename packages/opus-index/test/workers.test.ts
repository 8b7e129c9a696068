import { assemblePackets, readPages, writePages } from "@granule/ogg-pages";
import {
  buildIndex,
  defaultScanWorkers,
  MAX_DEFAULT_SCAN_WORKERS,
  MIN_BYTES_FOR_SCAN_WORKERS,
  writeSidecar,
} from "@granule/opus-index";
import { buildIndex as buildIndexNode, nodeWorkerFactory } from "@granule/opus-index/node";
import { describe, expect, it } from "vitest";
import { loadFixture } from "./fixtures.ts";

/** A longer file from real packets: the fixture's audio repeated, re-paginated by our writer. */
function longFile(repeats: number): Uint8Array {
  const packets = [...assemblePackets(readPages(loadFixture("ffmpeg-stereo.opus")))];
  const [head, tags, ...audio] = packets;
  let granule = 312n;
  const out = [
    { data: head!.data, granule: 0n, flush: true },
    { data: tags!.data, granule: 0n, flush: true },
  ];
  for (let r = 0; r < repeats; r++) {
    audio.forEach((p, i) => {
      granule += 960n;
      out.push({ data: p.data, granule, flush: i % 50 === 49 });
    });
  }
  return writePages(out, { serial: 77, targetBodyByteLength: 1 << 30 });
}

describe("scan workers", () => {
  const bytes = longFile(12);

  it("give the same index as scanning in-process, for 1 and 2 worker threads and any batch size", async () => {
    const reference = writeSidecar(await buildIndex(bytes, { workers: 0 }));
    for (const [workers, batchBytes] of [
      [1, 100_000],
      [2, 70_001],
      [2, 1 << 20],
    ] as const) {
      const index = await buildIndexNode(bytes, { workers, batchBytes });
      expect(Buffer.from(writeSidecar(index)).equals(Buffer.from(reference)), `${workers} workers, ${batchBytes}`).toBe(
        true,
      );
    }
  });

  it("report a worker failure as a rejected build, not a hang", async () => {
    const broken = () => {
      const worker = nodeWorkerFactory();
      return { scan: () => Promise.reject(new Error("worker died")), terminate: () => worker.terminate() };
    };
    await expect(buildIndex(bytes, { workers: 2, batchBytes: 100_000, workerFactory: broken })).rejects.toThrow(
      "worker died",
    );
  });
});

describe("the runtime's own workers", () => {
  it("Web Workers where the runtime has them (Deno, Bun), worker_threads on Node: same index", async () => {
    const bytes = longFile(4);
    const hasWebWorkers = typeof (globalThis as { Worker?: unknown }).Worker === "function";
    const build = hasWebWorkers ? buildIndex : buildIndexNode;
    const index = await build(bytes, { workers: 2, batchBytes: 50_000 });
    expect(writeSidecar(index)).toEqual(writeSidecar(await buildIndex(bytes, { workers: 0 })));
  });
});

describe("worker threads under the parent's Node flags", () => {
  const isNode = !("Deno" in globalThis) && !("Bun" in globalThis);
  it.skipIf(!isNode)("start, although a worker refuses the parent's --input-type flag", async () => {
    const { spawnSync } = await import("node:child_process");
    const script = `import { buildIndex } from "@granule/opus-index/node";
      import { readFileSync } from "node:fs";
      const bytes = new Uint8Array(readFileSync(${JSON.stringify(new URL("../../../fixtures/ffmpeg-stereo.opus", import.meta.url).pathname)}));
      const index = await buildIndex(bytes, { workers: 2, batchBytes: 20000 });
      console.log(index.totalSamples);`;
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: new URL("..", import.meta.url).pathname,
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("240000");
  });

  // `node --max-old-space-size=4096 granule ...` is how users give Node more memory: V8's and
  // the process's flags, which a worker's explicit flags must not hold, must not stop workers.
  it.skipIf(!isNode)("start under V8's and the process's flags, with --input-type and without", async () => {
    const { spawnSync } = await import("node:child_process");
    const { writeFileSync, rmSync } = await import("node:fs");
    const { join } = await import("node:path");
    const fixture = new URL("../../../fixtures/ffmpeg-stereo.opus", import.meta.url).pathname;
    const script = `import { buildIndex } from "@granule/opus-index/node";
      import { readFileSync } from "node:fs";
      const index = await buildIndex(new Uint8Array(readFileSync(${JSON.stringify(fixture)})), { workers: 2, batchBytes: 20000 });
      console.log(index.totalSamples);`;
    const v8AndProcess = ["--max-semi-space-size=2", "--stack-size=900", "--title=granule-test", "--no-warnings"];
    const cwd = new URL("..", import.meta.url).pathname;
    const evaluated = spawnSync(process.execPath, [...v8AndProcess, "--input-type=module", "-e", script], {
      cwd,
      encoding: "utf8",
    });
    expect(evaluated.stderr).toBe("");
    expect(evaluated.stdout.trim()).toBe("240000");
    // A script file (as the CLI is run): the workers inherit the flags. It sits in the package
    // so that it imports the package by name.
    const file = join(cwd, `.flags-test-${process.pid}.mjs`);
    writeFileSync(file, script);
    try {
      const ran = spawnSync(process.execPath, [...v8AndProcess, file], { cwd, encoding: "utf8" });
      expect(ran.stderr).toBe("");
      expect(ran.stdout.trim()).toBe("240000");
    } finally {
      rmSync(file, { force: true });
    }
  });
});

describe("the default number of scan workers", () => {
  const big = MIN_BYTES_FOR_SCAN_WORKERS;
  it("is none for small files, where workers cannot start, and on 2 cores or an unknown count", () => {
    expect(defaultScanWorkers(big - 1, true, 8)).toBe(0);
    expect(defaultScanWorkers(big, false, 8)).toBe(0);
    expect(defaultScanWorkers(big * 4, true, 2)).toBe(0);
    expect(defaultScanWorkers(big * 4, true, 1)).toBe(0);
    expect(defaultScanWorkers(big * 4, true, undefined)).toBe(0);
  });

  it("is one per core on 3 cores or more, at most MAX_DEFAULT_SCAN_WORKERS", () => {
    expect(defaultScanWorkers(big, true, 3)).toBe(3);
    expect(defaultScanWorkers(big, true, 4)).toBe(4);
    expect(defaultScanWorkers(big, true, 64)).toBe(MAX_DEFAULT_SCAN_WORKERS);
  });
});
