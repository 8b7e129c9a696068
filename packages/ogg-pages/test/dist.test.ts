import { createRequire } from "node:module";
import * as esm from "@granule/ogg-pages";
import { describe, expect, it } from "vitest";
import { loadFixture } from "./fixtures.ts";

describe("the built package", () => {
  it("exports the same API from its ESM and CommonJS builds, and both read a real file", () => {
    const cjs = createRequire(import.meta.url)("@granule/ogg-pages") as typeof esm;
    expect(Object.keys(cjs).sort()).toEqual(Object.keys(esm).sort());
    const bytes = loadFixture("ffmpeg-mono.opus");
    const count = (api: typeof esm) => [...api.readPages(bytes, { strict: true })].length;
    expect(count(cjs)).toBe(8);
    expect(count(esm)).toBe(8);
    expect(cjs.crc32(new TextEncoder().encode("123456789"))).toBe(0x89a1897f);
  });
});
