import { availableParallelism } from "node:os";
import {
  capDecodeWorkers,
  type DecodeWorker,
  type DecodeWorkerFactory,
  defaultDecodeWorkers,
  extractMany,
  inProcessDecoder,
  MAX_DECODE_WORKERS,
  MIN_WINDOWS_FOR_WORKERS,
} from "@granule/extract";
import { nodeDecoderFactory } from "@granule/extract/node";
import { describe, expect, it } from "vitest";
import { open } from "./helpers.ts";

describe("decode workers: one policy for every entry point", () => {
  it("defaults to none for few windows, else one per core, capped at the windows and at MAX_DECODE_WORKERS", () => {
    expect(MIN_WINDOWS_FOR_WORKERS).toBe(16);
    expect(MAX_DECODE_WORKERS).toBe(8);
    expect([1, 15, 16, 17, 1000].map((w) => defaultDecodeWorkers(w, 2))).toEqual([0, 0, 2, 2, 2]);
    expect(defaultDecodeWorkers(16, 64)).toBe(8);
    expect(defaultDecodeWorkers(16, 1)).toBe(1);
    // A runtime that does not say its cores: two, as the CLI used to choose.
    expect(defaultDecodeWorkers(100, undefined)).toBe(2);
    expect(capDecodeWorkers(4, 3, 16)).toBe(3);
    expect(capDecodeWorkers(4, 100, 2)).toBe(2);
    expect(capDecodeWorkers(40, 100, undefined)).toBe(8);
    expect(capDecodeWorkers(0, 100, 4)).toBe(0);
    expect(nodeDecoderFactory.parallelism).toBe(availableParallelism());
  });

  it("is what extractMany starts, by default and when asked for more than helps", async () => {
    const rec = await open("ffmpeg-mono.opus");
    let started = 0;
    const factory: DecodeWorkerFactory = Object.assign(
      (): DecodeWorker => {
        started++;
        return inProcessDecoder();
      },
      { parallelism: 3 },
    );
    const ranges = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ startSample: i * 12_000, endSample: i * 12_000 + 100 }));
    const run = async (n: number, workers?: number) => {
      started = 0;
      await extractMany(rec, ranges(n), {
        workerFactory: factory,
        maxWindowSeconds: 0.001,
        ...(workers === undefined ? {} : { workers }),
      });
      return started;
    };
    expect(await run(15)).toBe(0);
    expect(await run(16)).toBe(3);
    expect(await run(16, 10)).toBe(3); // capped at the cores
    expect(await run(2, 10)).toBe(2); // capped at the windows
    expect(await run(16, 0)).toBe(0);
  });

  it("counts the calling thread as one of the workers when the factory says it decodes too (Node)", async () => {
    expect(nodeDecoderFactory.callerDecodes).toBe(true);
    const rec = await open("ffmpeg-mono.opus");
    let started = 0;
    const factory: DecodeWorkerFactory = Object.assign(
      (): DecodeWorker => {
        started++;
        return { ...inProcessDecoder(), onCallingThread: false };
      },
      { parallelism: 3, callerDecodes: true },
    );
    const ranges = Array.from({ length: 40 }, (_, i) => ({ startSample: i * 5_000, endSample: i * 5_000 + 500 }));
    const reference = await extractMany(rec, ranges, { workers: 0, maxWindowSeconds: 0.001 });
    const decoded = await extractMany(rec, ranges, { workerFactory: factory, maxWindowSeconds: 0.001 });
    expect(started).toBe(2); // three decoders: two threads and the caller
    expect(decoded.map((s) => [...s.channels[0]!])).toEqual(reference.map((s) => [...s.channels[0]!]));
  });
});
