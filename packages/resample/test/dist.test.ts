import { createRequire } from "node:module";
import * as esm from "@granule/resample";
import { describe, expect, it } from "vitest";

describe("the built package", () => {
  it("exports the same API from its ESM and CommonJS builds, and both resample", () => {
    const cjs = createRequire(import.meta.url)("@granule/resample") as typeof esm;
    expect(Object.keys(cjs).sort()).toEqual(Object.keys(esm).sort());
    const x = [new Float32Array(300).fill(0.5)];
    expect(cjs.resample(x, 48000, 32000)).toEqual(esm.resample(x, 48000, 32000));
    expect(new cjs.ResampleError("ended", "x").code).toBe("ended");
  });
});
