// The Ogg CRC's two paths in the browser: the embedded WebAssembly loop where WebAssembly runs,
// and the JavaScript loop where it does not. Each runs in a fresh module Worker, so that
// ogg-pages is loaded there for the first time after WebAssembly was watched or taken away.
import { crc32 } from "@granule/ogg-pages";
import { describe, expect, it } from "vitest";

interface CrcReport {
  wasmModules: number;
  check: number;
  big: number;
  pieces: number;
}

function runWorker(mode: "watch" | "remove"): Promise<CrcReport> {
  const worker = new Worker(new URL("./crc-worker.ts", import.meta.url), { type: "module" });
  return new Promise((resolve, reject) => {
    worker.onmessage = (event) => {
      worker.terminate();
      if ("error" in event.data) reject(new Error(event.data.error));
      else resolve(event.data);
    };
    worker.onerror = (event) => {
      worker.terminate();
      reject(new Error(event.message));
    };
    worker.postMessage(mode);
  });
}

const big = new Uint8Array(200_000).map((_, i) => (i * 2654435761) >>> 24);

describe("ogg-pages CRC in the browser", () => {
  it("compiles its WebAssembly loop where WebAssembly is allowed, and gives the check values", async () => {
    const report = await runWorker("watch");
    expect(report.wasmModules).toBe(1);
    expect(report.check).toBe(0x89a1897f);
    expect(report.big).toBe(crc32(big));
    expect(report.pieces).toBe(crc32(big));
  });

  it("falls back to JavaScript where there is no WebAssembly, with the same CRCs", async () => {
    const report = await runWorker("remove");
    expect(report.wasmModules).toBe(0);
    expect(report.check).toBe(0x89a1897f);
    expect(report.big).toBe(crc32(big));
    expect(report.pieces).toBe(crc32(big));
  });
});
