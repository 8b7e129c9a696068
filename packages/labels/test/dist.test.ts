import { createRequire } from "node:module";
import * as esm from "@granule/labels";
import { describe, expect, it } from "vitest";

describe("the built package", () => {
  it("exports the same API from its ESM and CommonJS builds, and both read a table", () => {
    const cjs = createRequire(import.meta.url)("@granule/labels") as typeof esm;
    expect(Object.keys(cjs).sort()).toEqual(Object.keys(esm).sort());
    expect(Object.keys(esm).sort()).toEqual([
      "LABEL_FORMATS",
      "LabelError",
      "RAVEN_LABEL_COLUMNS",
      "detectFormat",
      "mapRows",
      "outputNames",
      "pointToSample",
      "readTable",
      "rowSamples",
      "sampleToSeconds",
      "secondsToSample",
      "timeTextToSample",
      "utcToSample",
      "writeTable",
      "writeTableLines",
    ]);
    for (const api of [esm, cjs]) {
      const table = api.readTable("start,end,label\n0.1,0.2,a\n");
      expect(api.rowSamples(table.rows[0]!, 48_000)).toEqual({ startSample: 4800, endSample: 9600 });
    }
  });
});
