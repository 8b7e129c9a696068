import { interpolateMagma, interpolateViridis } from "d3-scale-chromatic";
import { decode } from "fast-png";
import { describe, expect, it } from "vitest";
import { textWidth } from "../src/digit-font.ts";
import { colormap, renderImage, renderPng, SpectrogramError, spectrogram } from "../src/index.ts";
import { tickLabel, ticks } from "../src/ticks.ts";
import { addTone, noise } from "./signals.ts";

const RATE = 48_000;
const tone = addTone(noise(5 * RATE, 0.001), RATE, 1000, 0.5, 2, 3);
const spec = spectrogram({ channels: [tone], sampleRate: RATE }, { fftSize: 1024, hopSize: 512, maxHz: 4000 });

/** The colormap level (0-255) of each plot pixel, read back through the colour table. */
function levels(
  image: { width: number; data: ArrayLike<number>; channels?: number },
  plot: { x: number; y: number; width: number; height: number },
  name: "viridis" | "magma" = "viridis",
) {
  const lut = colormap(name);
  const byColour = new Map<number, number>();
  for (let i = 255; i >= 0; i--) byColour.set((lut[3 * i]! << 16) | (lut[3 * i + 1]! << 8) | lut[3 * i + 2]!, i);
  const channels = image.channels ?? 4;
  const out: number[][] = [];
  for (let y = 0; y < plot.height; y++) {
    const row: number[] = [];
    for (let x = 0; x < plot.width; x++) {
      const at = ((plot.y + y) * image.width + plot.x + x) * channels;
      const key = (image.data[at]! << 16) | (image.data[at + 1]! << 8) | image.data[at + 2]!;
      const level = byColour.get(key);
      if (level === undefined) throw new Error(`pixel ${x},${y} of the plot is not a colormap colour`);
      row.push(level);
    }
    out.push(row);
  }
  return out;
}

/** The brightest row and the columns that reach the brightest level. */
function brightest(grid: number[][]) {
  const top = Math.max(...grid.flat());
  const rowSums = grid.map((row) => row.reduce((a, b) => a + b, 0));
  const row = rowSums.indexOf(Math.max(...rowSums));
  const columns = grid[row]!.map((v, x) => (v >= top - 8 ? x : -1)).filter((x) => x >= 0);
  return { row, columns };
}

describe("PNG of a 1 kHz tone from 2 s to 3 s", () => {
  for (const axes of [false, true]) {
    it(`decodes to the requested size, brightest at 1 kHz between 2 and 3 s${axes ? " (with axes)" : ""}`, () => {
      const image = renderImage(spec, { width: 500, height: 200, axes });
      const png = renderPng(spec, { width: 500, height: 200, axes });
      const decoded = decode(png);
      expect([decoded.width, decoded.height]).toEqual([image.width, image.height]);
      expect(decoded.channels).toBe(4);
      expect(decoded.depth).toBe(8);
      expect(image.plot.width).toBe(500);
      expect(image.plot.height).toBe(200);
      if (!axes) expect([decoded.width, decoded.height]).toEqual([500, 200]);
      else expect(decoded.width).toBeGreaterThan(500);
      let differing = 0;
      for (let i = 0; i < image.data.length; i++) if (decoded.data[i] !== image.data[i]) differing++;
      expect(differing).toBe(0);

      const { row, columns } = brightest(levels(decoded, image.plot));
      const { seconds, hz } = image;
      const rowHz = hz.high - ((row + 0.5) / 200) * (hz.high - hz.low);
      const pixelHz = (hz.high - hz.low) / 200;
      expect(Math.abs(rowHz - 1000)).toBeLessThanOrEqual(RATE / 1024 + pixelHz);
      const columnSeconds = (x: number) => seconds.start + ((x + 0.5) / 500) * (seconds.end - seconds.start);
      const pixelSeconds = (seconds.end - seconds.start) / 500;
      const hop = 512 / RATE;
      expect(columnSeconds(columns[0]!)).toBeGreaterThanOrEqual(2 - hop - pixelSeconds);
      expect(columnSeconds(columns.at(-1)!)).toBeLessThanOrEqual(3 + hop + pixelSeconds);
      expect(columnSeconds(columns[0]!)).toBeLessThan(2 + 0.05);
      expect(columnSeconds(columns.at(-1)!)).toBeGreaterThan(3 - 0.05);
    });
  }

  it("spans the frames' hops and the bins' widths", () => {
    const image = renderImage(spec);
    expect(image.seconds.start).toBeCloseTo(spec.frameSeconds[0]! - 256 / RATE, 12);
    expect(image.seconds.end).toBeCloseTo(spec.frameSeconds.at(-1)! + 256 / RATE, 12);
    expect(image.hz.low).toBe(-46.875 / 2);
    expect(image.hz.high).toBe(spec.binHz.at(-1)! + 46.875 / 2);
  });
});

describe("sizes", () => {
  it("defaults to one pixel per frame and per bin", () => {
    const image = renderImage(spec);
    expect([image.width, image.height]).toEqual([spec.frameCount, spec.binCount]);
    expect(image.data.length).toBe(spec.frameCount * spec.binCount * 4);
  });

  it("takes pixelsPerSecond for the width", () => {
    const image = renderImage(spec, { pixelsPerSecond: 100 });
    expect(image.width).toBe(Math.round((image.seconds.end - image.seconds.start) * 100));
  });

  it("keeps a short loud frame visible when shrinking (max pooling)", () => {
    const click = new Float32Array(RATE * 4);
    addTone(click, RATE, 3000, 1, 1.5, 1.52);
    const s = spectrogram({ channels: [click], sampleRate: RATE }, { fftSize: 512, hopSize: 128 });
    const grid = levels(renderImage(s, { width: 40, height: 30 }), { x: 0, y: 0, width: 40, height: 30 });
    expect(Math.max(...grid.flat())).toBe(255);
  });

  it("refuses sizes that are not whole pixels", () => {
    for (const options of [{ width: 0 }, { height: 2.5 }, { pixelsPerSecond: -1 }, { fontScale: 0 }]) {
      expect(() => renderImage(spec, options)).toThrow(SpectrogramError);
    }
    expect(() => renderImage(spec, { width: 10, pixelsPerSecond: 10 })).toThrow(/not both/);
    expect(() => renderImage(spec, { minDb: 0, maxDb: 0 })).toThrow(/minDb < maxDb/);
  });
});

describe("colours", () => {
  it("are matplotlib's viridis and magma (as d3-scale-chromatic has them)", () => {
    for (const [name, reference] of [
      ["viridis", interpolateViridis],
      ["magma", interpolateMagma],
    ] as const) {
      const lut = colormap(name);
      expect(lut).toHaveLength(768);
      for (let i = 0; i < 256; i++) {
        const hex = reference(i / 255); // "#rrggbb"
        const [r, g, b] = [1, 3, 5].map((at) => Number.parseInt(hex.slice(at, at + 2), 16));
        expect([lut[3 * i], lut[3 * i + 1], lut[3 * i + 2]]).toEqual([r, g, b]);
      }
    }
    expect(() => colormap("jet" as "viridis")).toThrow(/"viridis" or "magma"/);
  });

  it("map minDb and below to the first colour, maxDb and above to the last", () => {
    const image = renderImage(spec, { minDb: -40, maxDb: -20, colormap: "magma" });
    const grid = levels(image, image.plot, "magma");
    const flat = grid.flat();
    expect(Math.min(...flat)).toBe(0);
    expect(Math.max(...flat)).toBe(255);
    // The tone (about -6 dB) is above maxDb, the noise (below -60 dB) under minDb.
    const values = [...spec.values];
    expect(flat.filter((v) => v === 255).length).toBeGreaterThan(0);
    expect(flat.filter((v) => v === 0).length).toBeGreaterThan(values.length / 2);
  });
});

describe("axes", () => {
  it("draw ticks and labels in the margins, not over the plot", () => {
    const plain = renderImage(spec, { width: 400, height: 150 });
    const image = renderImage(spec, { width: 400, height: 150, axes: true });
    const { x, y, width, height } = image.plot;
    let differing = 0;
    for (let row = 0; row < height; row++) {
      for (let col = 0; col < width; col++) {
        const a = ((y + row) * image.width + x + col) * 4;
        const b = (row * plain.width + col) * 4;
        for (let c = 0; c < 4; c++) if (image.data[a + c] !== plain.data[b + c]) differing++;
      }
    }
    expect(differing).toBe(0);
    // Ink (dark pixels) in the left and bottom margins: the axes, ticks and digits.
    let inkLeft = 0;
    let inkBottom = 0;
    for (let row = 0; row < image.height; row++) {
      for (let col = 0; col < image.width; col++) {
        const at = (row * image.width + col) * 4;
        if (image.data[at] !== 32) continue;
        if (col < x) inkLeft++;
        if (row >= y + height) inkBottom++;
      }
    }
    expect(inkLeft).toBeGreaterThan(100);
    expect(inkBottom).toBeGreaterThan(100);
  });

  it("choose 1-2-5 steps and label them without rounding noise", () => {
    expect(ticks(0, 5, 5)).toEqual({ values: [0, 1, 2, 3, 4, 5], step: 1 });
    expect(ticks(0.0102, 0.0148, 4).values.map((v) => tickLabel(v, 0.001, 1))).toEqual([
      "0.011",
      "0.012",
      "0.013",
      "0.014",
    ]);
    expect(ticks(0, 192_000, 6).step).toBe(50_000);
    expect(tickLabel(150_000, 50_000, 1000)).toBe("150");
    expect(tickLabel(2500, 500, 1000)).toBe("2.5");
    expect(tickLabel(0.30000000000000004, 0.1, 1)).toBe("0.3");
    expect(ticks(3, 3, 5).values).toEqual([]);
  });

  it("measure text in font pixels", () => {
    expect(textWidth("0")).toBe(3);
    expect(textWidth("10")).toBe(7);
    expect(textWidth("2.5")).toBe(9);
    expect(textWidth("kHz")).toBe(11);
  });
});
