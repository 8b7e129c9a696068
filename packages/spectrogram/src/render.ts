import { type ColormapName, colormap } from "./colormaps.ts";
import { drawText, GLYPH_HEIGHT, textWidth } from "./digit-font.ts";
import { SpectrogramError } from "./errors.ts";
import type { Spectrogram } from "./stft.ts";
import { tickLabel, ticks } from "./ticks.ts";

export interface ImageOptions {
  /** Default "viridis". */
  colormap?: ColormapName;
  /** dB shown as the brightest colour (and above). Default the spectrogram's `maxDb`. */
  maxDb?: number;
  /** dB shown as the darkest colour (and below). Default maxDb - 80. */
  minDb?: number;
  /** Width of the plot area in pixels. Default: one pixel per frame (or from `pixelsPerSecond`). */
  width?: number;
  /** Plot width from the time span instead: pixels per second of recording time. */
  pixelsPerSecond?: number;
  /** Height of the plot area in pixels. Default: one pixel per bin. */
  height?: number;
  /** Draw a frequency axis (kHz) on the left and a time axis (s) below, with tick labels. Default false. */
  axes?: boolean;
  /** Size of one font pixel of the tick labels. Default 2. */
  fontScale?: number;
}

/** An RGBA image (row-major, top row first, 4 bytes a pixel) of a spectrogram and where its plot lies. */
export interface SpectrogramImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
  /** The plot area in the image (the whole image without axes). High frequencies at the top. */
  plot: { x: number; y: number; width: number; height: number };
  /** Recording time at the plot's left and right edges: each frame spans one hop around its centre. */
  seconds: { start: number; end: number };
  /** Frequency at the plot's bottom and top edges: each bin spans one bin width around its centre. */
  hz: { low: number; high: number };
}

const BACKGROUND = 255;
const INK: [number, number, number] = [32, 32, 32];

function positiveInteger(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new SpectrogramError("invalid-argument", `${what} must be a whole number of pixels >= 1, got ${value}`);
  }
  return value;
}

/**
 * For each of `pixels` output cells, the range of input cells it shows. Shrinking, each pixel
 * takes the loudest of the cells that fall in it (a short call stays visible); stretching,
 * each pixel shows the cell under its centre.
 */
function cellRanges(cells: number, pixels: number): { start: Int32Array; end: Int32Array } {
  const start = new Int32Array(pixels);
  const end = new Int32Array(pixels);
  for (let p = 0; p < pixels; p++) {
    let a = Math.floor((p * cells) / pixels);
    let b = Math.floor(((p + 1) * cells) / pixels);
    if (b <= a) {
      a = Math.min(cells - 1, Math.floor(((p + 0.5) * cells) / pixels));
      b = a + 1;
    }
    start[p] = a;
    end[p] = b;
  }
  return { start, end };
}

/** Renders a spectrogram as an RGBA image: time left to right, frequency bottom to top. */
export function renderImage(spec: Spectrogram, options: ImageOptions = {}): SpectrogramImage {
  const lut = colormap(options.colormap ?? "viridis");
  const maxDb = options.maxDb ?? spec.maxDb;
  const minDb = options.minDb ?? maxDb - 80;
  if (!(Number.isFinite(maxDb) && Number.isFinite(minDb) && maxDb > minDb)) {
    throw new SpectrogramError("invalid-argument", `need finite minDb < maxDb, got minDb ${minDb}, maxDb ${maxDb}`);
  }
  const hopSeconds = spec.hopSize / spec.sampleRate;
  const hzPerBin = spec.sampleRate / spec.fftSize;
  const seconds = {
    start: spec.frameSeconds[0]! - hopSeconds / 2,
    end: spec.frameSeconds[spec.frameCount - 1]! + hopSeconds / 2,
  };
  const hz = { low: spec.binHz[0]! - hzPerBin / 2, high: spec.binHz[spec.binCount - 1]! + hzPerBin / 2 };

  if (options.width !== undefined && options.pixelsPerSecond !== undefined) {
    throw new SpectrogramError("invalid-argument", "give width or pixelsPerSecond, not both");
  }
  let plotWidth = spec.frameCount;
  if (options.width !== undefined) plotWidth = positiveInteger(options.width, "width");
  if (options.pixelsPerSecond !== undefined) {
    if (!(options.pixelsPerSecond > 0)) {
      throw new SpectrogramError(
        "invalid-argument",
        `pixelsPerSecond must be positive, got ${options.pixelsPerSecond}`,
      );
    }
    plotWidth = Math.max(1, Math.round((seconds.end - seconds.start) * options.pixelsPerSecond));
  }
  const plotHeight = options.height === undefined ? spec.binCount : positiveInteger(options.height, "height");

  const scale = options.fontScale ?? 2;
  positiveInteger(scale, "fontScale");
  const axes = options.axes ?? false;
  const timeTicks = ticks(seconds.start, seconds.end, Math.max(2, Math.floor(plotWidth / (40 * scale))));
  const hzTicks = ticks(Math.max(0, hz.low), hz.high, Math.max(2, Math.floor(plotHeight / (15 * scale))));
  const timeLabels = timeTicks.values.map((t) => tickLabel(t, timeTicks.step, 1));
  const hzLabels = hzTicks.values.map((f) => tickLabel(f, hzTicks.step, 1000));
  const tickLength = 3 * scale;
  const gap = 2 * scale;
  const textHeight = GLYPH_HEIGHT * scale;
  const widest = Math.max(textWidth("kHz"), ...hzLabels.map(textWidth)) * scale;
  const margin = axes
    ? {
        left: widest + tickLength + 2 * gap,
        top: textHeight + 3 * gap,
        right:
          Math.ceil(Math.max(textWidth("s") * scale + gap, (textWidth(timeLabels.at(-1) ?? "") * scale) / 2)) + gap,
        bottom: tickLength + 2 * gap + textHeight,
      }
    : { left: 0, top: 0, right: 0, bottom: 0 };
  const width = margin.left + plotWidth + margin.right;
  const height = margin.top + plotHeight + margin.bottom;
  const data = new Uint8ClampedArray(width * height * 4);
  if (axes) data.fill(BACKGROUND);

  // Plot: colour index per (frame, bin) cell, pooled into pixels.
  const columns = cellRanges(spec.frameCount, plotWidth);
  const rows = cellRanges(spec.binCount, plotHeight);
  const levels = 255 / (maxDb - minDb);
  const column = new Float32Array(spec.binCount);
  for (let x = 0; x < plotWidth; x++) {
    column.fill(Number.NEGATIVE_INFINITY);
    for (let k = columns.start[x]!; k < columns.end[x]!; k++) {
      const frame = spec.frames[k]!;
      for (let b = 0; b < spec.binCount; b++) if (frame[b]! > column[b]!) column[b] = frame[b]!;
    }
    for (let y = 0; y < plotHeight; y++) {
      // Row 0 is the top: the highest bins.
      const r = plotHeight - 1 - y;
      let db = Number.NEGATIVE_INFINITY;
      for (let b = rows.start[r]!; b < rows.end[r]!; b++) if (column[b]! > db) db = column[b]!;
      const level = Math.max(0, Math.min(255, Math.round((db - minDb) * levels)));
      const at = ((margin.top + y) * width + margin.left + x) * 4;
      data[at] = lut[3 * level]!;
      data[at + 1] = lut[3 * level + 1]!;
      data[at + 2] = lut[3 * level + 2]!;
      data[at + 3] = 255;
    }
  }

  const plot = { x: margin.left, y: margin.top, width: plotWidth, height: plotHeight };
  if (axes) drawAxes(data, width, plot, seconds, hz, timeTicks.values, timeLabels, hzTicks.values, hzLabels, scale);
  return { width, height, data, plot, seconds, hz };
}

function drawAxes(
  data: Uint8ClampedArray,
  width: number,
  plot: SpectrogramImage["plot"],
  seconds: SpectrogramImage["seconds"],
  hz: SpectrogramImage["hz"],
  timeValues: number[],
  timeLabels: string[],
  hzValues: number[],
  hzLabels: string[],
  scale: number,
): void {
  const fill = (x0: number, y0: number, w: number, h: number) => {
    for (let y = y0; y < y0 + h; y++) {
      for (let x = x0; x < x0 + w; x++) {
        const at = (y * width + x) * 4;
        data[at] = INK[0];
        data[at + 1] = INK[1];
        data[at + 2] = INK[2];
        data[at + 3] = 255;
      }
    }
  };
  const tickLength = 3 * scale;
  const gap = 2 * scale;
  const line = Math.max(1, scale >> 1);
  const bottom = plot.y + plot.height;
  fill(plot.x - line, plot.y, line, plot.height + line); // frequency axis
  fill(plot.x - line, bottom, plot.width + line, line); // time axis
  timeValues.forEach((t, i) => {
    const x = Math.min(
      plot.x + plot.width - 1,
      plot.x + Math.floor(((t - seconds.start) / (seconds.end - seconds.start)) * plot.width),
    );
    fill(x, bottom + line, line, tickLength);
    const label = timeLabels[i]!;
    const left = x - Math.floor((textWidth(label) * scale) / 2);
    drawText(data, width, left, bottom + line + tickLength + gap, label, INK, scale);
  });
  drawText(data, width, plot.x + plot.width + gap, bottom + line + tickLength + gap, "s", INK, scale);
  hzValues.forEach((f, i) => {
    const y = Math.max(plot.y, bottom - 1 - Math.floor(((f - hz.low) / (hz.high - hz.low)) * plot.height));
    fill(plot.x - line - tickLength, y, tickLength, line);
    const label = hzLabels[i]!;
    const textTop = Math.max(0, Math.min(bottom - GLYPH_HEIGHT * scale, y - Math.floor((GLYPH_HEIGHT * scale) / 2)));
    drawText(data, width, plot.x - line - tickLength - gap - textWidth(label) * scale, textTop, label, INK, scale);
  });
  drawText(data, width, plot.x - line - tickLength - gap - textWidth("kHz") * scale, gap, "kHz", INK, scale);
}
