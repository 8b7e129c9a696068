import { createRequire } from "node:module";
import * as esm from "@granule/byte-source";
import { ByteSourceError, bufferSource } from "@granule/byte-source";
import { describe, expect, it } from "vitest";

describe("bufferSource", () => {
  it("returns views, stops at the end, and refuses negative reads", async () => {
    const bytes = Uint8Array.from({ length: 100 }, (_, i) => i);
    const source = bufferSource(bytes);
    const part = await source.read(10, 20);
    expect(part.buffer).toBe(bytes.buffer);
    expect([...part]).toEqual([...bytes.subarray(10, 30)]);
    expect((await source.read(95, 100)).length).toBe(5);
    await expect(source.read(-1, 5)).rejects.toMatchObject({ name: "ByteSourceError", code: "invalid-argument" });
    await expect(source.read(0, Number.NaN)).rejects.toBeInstanceOf(ByteSourceError);
  });
});

describe("the built package", () => {
  it("exports the same API from its ESM and CommonJS builds", () => {
    const cjs = createRequire(import.meta.url)("@granule/byte-source") as typeof esm;
    expect(Object.keys(cjs).sort()).toEqual(Object.keys(esm).sort());
    expect(Object.keys(esm).sort()).toEqual([
      "ByteSourceError",
      "HTTP_DEFAULTS",
      "bufferSource",
      "checkRead",
      "createHttpClient",
      "openHttpSource",
    ]);
  });
});
