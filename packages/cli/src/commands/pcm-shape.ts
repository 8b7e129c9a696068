import { contextSamples, outputLength, resampleSegment } from "@granule/resample";
import { parseCount } from "../time.ts";
import { UsageError } from "../usage-error.ts";

/** What is done to decoded samples before they are written: channels picked, mixed, resampled. */
export interface PcmShape {
  /** `--channels 0,2`: these channels, in this order (0-based, as decoded). */
  channels?: number[];
  /** `--mono`: the mean of the (picked) channels. */
  mono: boolean;
  /** `--sample-rate`: the output's rate; absent = the recording's own. */
  sampleRate?: number;
  /** `--channels row`: each output is the channel its table row names (Raven `Channel`, Kaleidoscope `CHANNEL`). */
  rowChannel?: boolean;
}

/** `--channels 0,2`: 0-based channel numbers, any subset in any order, each once. */
export function parseChannels(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const parts = text.split(",").map((p) => p.trim());
  const channels = parts.map((p) => {
    if (!/^\d+$/.test(p)) throw new UsageError(`--channels "${text}": "${p}" is not a channel number (0, 1, 2...)`);
    return Number(p);
  });
  if (new Set(channels).size !== channels.length) throw new UsageError(`--channels "${text}" names a channel twice`);
  return channels;
}

/** `--sample-rate Hz`: any positive whole rate the resampler takes. */
export function parseOutputRate(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const rate = parseCount(text, "--sample-rate");
  if (rate < 1 || rate > 2 ** 31 - 1) throw new UsageError(`--sample-rate ${rate} must be 1 to 2147483647 Hz`);
  return rate;
}

/** Checks the picked channels against a recording's channel count. */
export function checkChannels(shape: PcmShape, channelCount: number, name: string): void {
  for (const c of shape.channels ?? []) {
    if (c >= channelCount) {
      throw new UsageError(
        `--channels ${shape.channels!.join(",")}: ${name} has ${channelCount} channel(s), numbered 0-${channelCount - 1}`,
      );
    }
  }
}

/** Channels written for a recording of `channelCount`. */
export function outputChannelCount(shape: PcmShape, channelCount: number): number {
  return shape.mono ? 1 : (shape.channels?.length ?? channelCount);
}

/** Samples written for `length` input samples at `inRate`: exact, by the resampler's one rule. */
export function outputSampleCount(shape: PcmShape, length: number, inRate: number): number {
  return shape.sampleRate === undefined || shape.sampleRate === inRate
    ? length
    : outputLength(length, inRate, shape.sampleRate);
}

/** Input samples of context each side of a segment that resampling needs (0 without it). */
export function contextFor(shape: PcmShape, inRate: number): number {
  return shape.sampleRate === undefined || shape.sampleRate === inRate ? 0 : contextSamples(inRate, shape.sampleRate);
}

/**
 * Shapes decoded samples: `decoded` holds input samples [from, ...) with the segment at
 * `offset` for `length` samples (context around it, for the resampler). Picks channels, mixes
 * to mono (the plain mean, so a sound on one of two channels keeps half its amplitude, and
 * nothing clips), then resamples the segment (output j at input position
 * `offset + j x inRate / outRate`, `outputSampleCount` samples).
 */
export function shapePcm(
  decoded: Float32Array[],
  shape: PcmShape,
  inRate: number,
  offset: number,
  length: number,
): Float32Array[] {
  let channels = shape.channels === undefined ? decoded : shape.channels.map((c) => decoded[c]!);
  if (shape.mono && channels.length > 1) {
    const mean = new Float32Array(channels[0]!.length);
    const scale = 1 / channels.length;
    for (const channel of channels) for (let i = 0; i < mean.length; i++) mean[i]! += channel[i]!;
    for (let i = 0; i < mean.length; i++) mean[i]! *= scale;
    channels = [mean];
  }
  if (shape.sampleRate === undefined || shape.sampleRate === inRate) {
    return channels.map((c) => (offset === 0 && c.length === length ? c : c.subarray(offset, offset + length)));
  }
  return resampleSegment(channels, { inRate, outRate: shape.sampleRate, offset, length });
}
