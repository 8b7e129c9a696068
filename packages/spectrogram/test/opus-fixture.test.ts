import { readFileSync } from "node:fs";
import { extract } from "@granule/extract";
import { bufferSource, buildIndex, recording } from "@granule/opus-index";
import { describe, expect, it } from "vitest";
import { spectrogram } from "../src/index.ts";
import { BAT, sweepHz } from "./bat-sweeps.ts";
import { argmax } from "./signals.ts";

describe("a time-expanded Opus recording (384 kHz stored as 48 kHz, made by opusenc)", () => {
  it("decodes with @granule/extract and shows each sweep at 80 -> 20 kHz, at its real time", async () => {
    const bytes = new Uint8Array(readFileSync(BAT.file));
    const rec = recording(await buildIndex(bytes, { workers: 0 }), bufferSource(bytes), BAT.trueRate);
    expect(rec.index.totalSamples).toBe(BAT.durationSeconds * BAT.trueRate);
    const hzPerBin = BAT.trueRate / 256;
    const hop = 64 / BAT.trueRate;
    for (const start of BAT.sweepStartsSeconds) {
      // 10 ms before to 15 ms after the sweep's start, in samples of the true rate.
      const startSample = Math.round((start - 0.01) * BAT.trueRate);
      const segment = await extract(rec, { startSample, endSample: startSample + Math.round(0.025 * BAT.trueRate) });
      expect(segment.sampleRate).toBe(384_000);
      const spec = spectrogram(segment, { fftSize: 256, hopSize: 64 });
      expect(spec.frameSeconds[0]).toBeCloseTo(start - 0.01 + 128 / BAT.trueRate, 12);
      const loud = spec.frames.map((row, k) => ({ k, row })).filter(({ row }) => row[argmax(row)]! > spec.maxDb - 10);
      const window = 256 / BAT.trueRate;
      let checked = 0;
      for (const { k, row } of loud) {
        const t = spec.frameSeconds[k]! - start;
        // Inside the sweep, away from its soft (Hann-shaped) ends.
        if (t < 0.001 || t > BAT.sweepSeconds - 0.001 - window / 2) continue;
        expect(Math.abs(spec.binHz[argmax(row)]! - sweepHz(t))).toBeLessThanOrEqual(3 * hzPerBin);
        checked++;
      }
      expect(checked).toBeGreaterThanOrEqual(15); // 5 ms at a hop of 1/6 ms, less the soft ends
      expect(spec.frameSeconds[loud[0]!.k]!).toBeGreaterThanOrEqual(start - hop);
      expect(spec.frameSeconds[loud.at(-1)!.k]!).toBeLessThanOrEqual(start + BAT.sweepSeconds + hop);
    }
  });
});
