import { checkPlanar } from "./channels.ts";
import { ResampleError } from "./errors.ts";
import { polyphaseFor } from "./polyphase.ts";
import { DEFAULT_QUALITY, type Quality, type QualitySpec, qualitySpec } from "./quality.ts";
import { ratioOf, roundedLength } from "./rates.ts";
import { createResampler } from "./resampler.ts";

export interface ResampleOptions {
  /** Filter quality: "high" (the default), "strict", "fast" or a QualitySpec. */
  readonly quality?: Quality;
}

/**
 * Resamples a whole signal (zeros before and after it). Output sample j sits at input position
 * j * inRate / outRate, with no lag; there are outputLength(n, inRate, outRate) of them. Equal
 * rates give copies of the input.
 */
export function resample(
  channels: readonly Float32Array[],
  inRate: number,
  outRate: number,
  options: ResampleOptions = {},
): Float32Array[] {
  checkPlanar("channels", channels);
  const resampler = createResampler({ inRate, outRate, channels: channels.length, quality: options.quality });
  const head = resampler.push(channels);
  const tail = resampler.flush();
  return head.map((part, c) => {
    const rest = tail[c] as Float32Array;
    if (rest.length === 0) return part;
    const whole = new Float32Array(part.length + rest.length);
    whole.set(part);
    whole.set(rest, part.length);
    return whole;
  });
}

export interface SegmentOptions extends ResampleOptions {
  readonly inRate: number;
  readonly outRate: number;
  /** Where the segment starts in `input`, in input samples. */
  readonly offset: number;
  /** The segment's length in input samples. */
  readonly length: number;
}

/**
 * Resamples the segment input[offset, offset + length) of a longer recording. Output sample j
 * sits at input position offset + j * inRate / outRate; there are
 * outputLength(length, inRate, outRate) of them. Samples of `input` around the segment are
 * used as the filter's context: give contextSamples(inRate, outRate, quality) of them on each
 * side where the recording has them, and the result is what resampling the whole recording
 * would give there (to the bit when offset * outRate / inRate is a whole number). Anything
 * outside `input` counts as zero, as beyond a recording's edges.
 */
export function resampleSegment(input: readonly Float32Array[], options: SegmentOptions): Float32Array[] {
  const inputLength = checkPlanar("input", input);
  const { inRate, outRate, offset, length } = options ?? ({} as SegmentOptions);
  const ratio = ratioOf(inRate, outRate);
  const spec = qualitySpec(options?.quality ?? DEFAULT_QUALITY);
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new ResampleError(
      "invalid-segment",
      `offset and length must be non-negative integers, got offset ${String(offset)}, length ${String(length)}`,
    );
  }
  if (offset + length > inputLength) {
    throw new ResampleError(
      "invalid-segment",
      `segment [${offset}, ${offset + length}) reaches past the input's ${inputLength} samples`,
    );
  }
  const { up, down } = ratio;
  if (up === 1 && down === 1) return input.map((channel) => channel.slice(offset, offset + length));
  const count = roundedLength(length, up, down);
  if (count === 0) return input.map(() => new Float32Array(0));
  const polyphase = polyphaseFor(ratio, spec);
  const { reach } = polyphase.design;
  // The first output's first tap, and the samples from there to the last output's last tap.
  const first = offset - reach + 1;
  const span = polyphase.span(0, count);
  const from = Math.max(0, first);
  const to = Math.min(inputLength, first + span);
  return input.map((channel) => {
    const padded = new Float32Array(span);
    if (to > from) padded.set(channel.subarray(from, to), from - first);
    const out = new Float32Array(count);
    polyphase.run(padded, 0, 0, count, out, 0);
    return out;
  });
}

/**
 * Input samples of context that resampleSegment needs on each side of a segment (before its
 * start and after its end) to give the whole recording's values. 0 for equal rates.
 */
export function contextSamples(inRate: number, outRate: number, quality?: Quality): number {
  const ratio = ratioOf(inRate, outRate);
  const spec = qualitySpec(quality ?? DEFAULT_QUALITY);
  if (ratio.up === 1 && ratio.down === 1) return 0;
  return polyphaseFor(ratio, spec).design.reach;
}

export interface FilterInfo {
  /** outRate / inRate in lowest terms. */
  readonly up: number;
  readonly down: number;
  /** The quality, resolved to its specification. */
  readonly quality: QualitySpec;
  /** Edge of the flat band and start of the stop band, in Hz. */
  readonly passbandHz: number;
  readonly stopbandHz: number;
  /** Multiply-adds per output sample (the filter's length in input samples, padded to 8). */
  readonly taps: number;
  /** Input samples of context needed on each side (contextSamples). */
  readonly contextSamples: number;
  /** One row per phase ("table"), or rows on a grid of phases that each output interpolates between ("grid", for ratios with huge numerators). */
  readonly rows: "table" | "grid" | "none";
  /** The inner loop: "wasm-simd", "javascript", or "copy" for equal rates. */
  readonly kernel: "wasm-simd" | "javascript" | "copy";
}

/** What resampling from inRate to outRate at this quality does, and how. */
export function describeFilter(inRate: number, outRate: number, quality?: Quality): FilterInfo {
  const ratio = ratioOf(inRate, outRate);
  const spec = qualitySpec(quality ?? DEFAULT_QUALITY);
  const nyquist = Math.min(inRate, outRate) / 2;
  const base = {
    up: ratio.up,
    down: ratio.down,
    quality: spec,
    passbandHz: spec.passband * nyquist,
    stopbandHz: spec.stopband * nyquist,
  };
  if (ratio.up === 1 && ratio.down === 1) {
    return { ...base, taps: 0, contextSamples: 0, rows: "none", kernel: "copy" };
  }
  const polyphase = polyphaseFor(ratio, spec);
  return {
    ...base,
    taps: polyphase.design.taps,
    contextSamples: polyphase.design.reach,
    rows: polyphase.tabulated ? "table" : "grid",
    kernel: polyphase.kernelKind,
  };
}
