import { checkPlanar } from "./channels.ts";
import { ResampleError } from "./errors.ts";
import { type Polyphase, polyphaseFor } from "./polyphase.ts";
import { DEFAULT_QUALITY, type Quality, qualitySpec } from "./quality.ts";
import { floorDiv, ratioOf, roundedLength } from "./rates.ts";

export interface ResamplerOptions {
  /** Input sample rate in Hz, a positive integer. */
  readonly inRate: number;
  /** Output sample rate in Hz, a positive integer. */
  readonly outRate: number;
  /** Number of channels of every chunk. */
  readonly channels: number;
  /** Filter quality: "high" (the default), "strict", "fast" or a QualitySpec. */
  readonly quality?: Quality;
}

/**
 * A streaming resampler. The outputs of all `push` calls and the final `flush`, concatenated,
 * equal `resample` of the concatenated input to the bit, however the input was cut into
 * chunks; they total outputLength(input samples, inRate, outRate). Memory is bounded by the
 * filter's length and the largest chunk, not by the stream.
 */
export interface Resampler {
  readonly inRate: number;
  readonly outRate: number;
  readonly channels: number;
  /** Input samples per channel pushed so far. */
  readonly inputSamples: number;
  /** Output samples per channel returned so far. */
  readonly outputSamples: number;
  /** Resamples a chunk; returns the outputs that the input so far determines (possibly none). */
  push(chunk: readonly Float32Array[]): Float32Array[];
  /** Ends the stream (zeros after it) and returns the remaining outputs. */
  flush(): Float32Array[];
}

/** Input samples handed to the filter at a time: bounds the history buffer's growth. */
const BLOCK_SAMPLES = 1 << 16;

export function createResampler(options: ResamplerOptions): Resampler {
  const { inRate, outRate, channels } = options ?? ({} as ResamplerOptions);
  const ratio = ratioOf(inRate, outRate);
  if (typeof channels !== "number" || !Number.isInteger(channels) || channels < 1) {
    throw new ResampleError("invalid-channels", `channels must be a positive integer, got ${String(channels)}`);
  }
  const spec = qualitySpec(options?.quality ?? DEFAULT_QUALITY);
  if (ratio.up === 1 && ratio.down === 1) return new CopyResampler(inRate, outRate, channels);
  return new PolyphaseResampler(inRate, outRate, channels, polyphaseFor(ratio, spec));
}

/** Equal rates: every sample is its own output, copied. */
class CopyResampler implements Resampler {
  inputSamples = 0;
  outputSamples = 0;
  private ended = false;
  constructor(
    readonly inRate: number,
    readonly outRate: number,
    readonly channels: number,
  ) {}

  push(chunk: readonly Float32Array[]): Float32Array[] {
    if (this.ended) throw new ResampleError("ended", "push after flush: create a new resampler for a new stream");
    const length = checkPlanar("chunk", chunk, this.channels);
    this.inputSamples += length;
    this.outputSamples += length;
    return chunk.map((channel) => channel.slice());
  }

  flush(): Float32Array[] {
    if (this.ended) throw new ResampleError("ended", "flush called twice");
    this.ended = true;
    return Array.from({ length: this.channels }, () => new Float32Array(0));
  }
}

class PolyphaseResampler implements Resampler {
  inputSamples = 0;
  outputSamples = 0;
  private ended = false;
  /** Per channel: input samples from absolute index `historyStart` on, `historyLength` of them. */
  private readonly history: Float32Array[];
  private historyStart: number;
  private historyLength: number;
  /** The next output's integer input position and phase: it sits at q + phase / up. */
  private q = 0;
  private phase = 0;

  constructor(
    readonly inRate: number,
    readonly outRate: number,
    readonly channels: number,
    private readonly polyphase: Polyphase,
  ) {
    const { reach, taps } = polyphase.design;
    // The signal is zero before its start: the first output's first tap is at -(reach - 1).
    this.historyStart = -(reach - 1);
    this.historyLength = reach - 1;
    const capacity = BLOCK_SAMPLES + 2 * taps + 2 * Math.ceil(polyphase.design.down / polyphase.design.up);
    this.history = Array.from({ length: channels }, () => new Float32Array(capacity));
  }

  /** How many outputs after those returned so far have all their taps below absolute index `available`. */
  private computable(available: number, total: number): number {
    const { up, down, reach, taps } = this.polyphase.design;
    // Output m (from the next one) needs q_m - reach + taps <= available, q_m = q + floor((phase + m down) / up).
    const room = available + reach - taps - this.q; // floor((phase + m down) / up) < room
    const byTaps = room <= 0 ? 0 : floorDiv(room * up - this.phase + down - 1, down);
    const byLength = roundedLength(total, up, down) - this.outputSamples;
    return Math.max(0, Math.min(byTaps, byLength));
  }

  private append(chunk: readonly Float32Array[], from: number, length: number): void {
    const needed = this.historyLength + length;
    for (let c = 0; c < this.channels; c++) {
      let buffer = this.history[c] as Float32Array;
      if (needed > buffer.length) {
        const grown = new Float32Array(Math.max(needed, buffer.length * 2));
        grown.set(buffer.subarray(0, this.historyLength));
        this.history[c] = buffer = grown;
      }
      const source = chunk[c] as Float32Array;
      buffer.set(source.subarray(from, from + length), this.historyLength);
    }
    this.historyLength = needed;
  }

  /** Computes `count` outputs into out[c][at...] and drops the history no later output needs. */
  private emit(count: number, out: Float32Array[], at: number): void {
    const { up, down, reach } = this.polyphase.design;
    const first = this.q - reach + 1 - this.historyStart;
    for (let c = 0; c < this.channels; c++) {
      this.polyphase.run(this.history[c] as Float32Array, first, this.phase, count, out[c] as Float32Array, at);
    }
    const steps = this.phase + count * down;
    this.q += floorDiv(steps, up);
    this.phase = steps % up;
    this.outputSamples += count;
    const drop = Math.min(this.q - reach + 1 - this.historyStart, this.historyLength);
    if (drop > 0) {
      for (const buffer of this.history) buffer.copyWithin(0, drop, this.historyLength);
      this.historyStart += drop;
      this.historyLength -= drop;
    }
  }

  push(chunk: readonly Float32Array[]): Float32Array[] {
    if (this.ended) throw new ResampleError("ended", "push after flush: create a new resampler for a new stream");
    const length = checkPlanar("chunk", chunk, this.channels);
    const total = this.computable(this.inputSamples + length, this.inputSamples + length);
    const out: Float32Array[] = [];
    for (let c = 0; c < this.channels; c++) out.push(new Float32Array(total));
    let written = 0;
    for (let from = 0; from < length; from += BLOCK_SAMPLES) {
      const n = Math.min(BLOCK_SAMPLES, length - from);
      this.append(chunk, from, n);
      this.inputSamples += n;
      const count = this.computable(this.inputSamples, this.inputSamples);
      if (count > 0) this.emit(count, out, written);
      written += count;
    }
    return out;
  }

  flush(): Float32Array[] {
    if (this.ended) throw new ResampleError("ended", "flush called twice");
    this.ended = true;
    const { up, down, reach, taps } = this.polyphase.design;
    const remaining = roundedLength(this.inputSamples, up, down) - this.outputSamples;
    const out = Array.from({ length: this.channels }, () => new Float32Array(Math.max(0, remaining)));
    if (remaining <= 0) return out;
    // Zeros after the end, up to the last tap of the last output.
    const lastQ = this.q + floorDiv(this.phase + (remaining - 1) * down, up);
    const end = lastQ - reach + taps + 1;
    const zeros = end - (this.historyStart + this.historyLength);
    if (zeros > 0) {
      const blank = new Float32Array(zeros);
      this.append(
        Array.from({ length: this.channels }, () => blank),
        0,
        zeros,
      );
    }
    this.emit(remaining, out, 0);
    return out;
  }
}
