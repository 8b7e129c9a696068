import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);

/** Every published entry point of every package, as users import it. */
const ENTRIES = [
  "@granule/ogg-pages",
  "@granule/byte-source",
  "@granule/opus-index",
  "@granule/opus-index/node",
  "@granule/extract",
  "@granule/extract/node",
  "@granule/zarr-opus",
  "@granule/zarr-opus/node",
  "@granule/timeline",
  "@granule/cli",
];

describe("the built packages", () => {
  for (const entry of ENTRIES) {
    it(`${entry}: the CommonJS and ESM builds load and export the same names`, async () => {
      const esm = await import(entry);
      const cjs = require(entry);
      expect(Object.keys(cjs).sort()).toEqual(Object.keys(esm).sort());
      expect(Object.keys(esm).length).toBeGreaterThan(3);
    });
  }
});
