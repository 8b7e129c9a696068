import type { ByteSource } from "./byte-source.ts";
import { OpusError } from "./errors.ts";
import type { OpusIndex } from "./opus-index.ts";

/**
 * A recording as `@granule/extract` reads it: an index, the bytes it indexes, and the
 * recording's true sample rate. Opus always decodes at 48 kHz; a time-expanded ultrasonic
 * recording (a 384 kHz AudioMoth file stored as 48 kHz Opus, say) keeps sample n as sample n
 * and only relabels the rate, so `sampleRate` is used for nothing but seconds <-> samples.
 * A plain file and a recording in a `@granule/zarr-opus` archive give the same shape.
 */
export interface Recording {
  readonly index: OpusIndex;
  readonly source: ByteSource;
  /** Samples per second of the recording's own time: 48000, or the original rate of time-expanded audio. */
  readonly sampleRate: number;
}

/** Decoding is always at 48 kHz: the rate sample indices count in. */
export const OPUS_SAMPLE_RATE = 48_000;

/** Makes a `Recording`, checking that the source is the indexed file. */
export function recording(index: OpusIndex, source: ByteSource, sampleRate = OPUS_SAMPLE_RATE): Recording {
  if (source.size !== index.byteLength) {
    throw new OpusError(
      "invalid-argument",
      `the source has ${source.size} bytes but the index was built for ${index.byteLength}: not the same file`,
    );
  }
  if (!(sampleRate > 0) || !Number.isFinite(sampleRate)) {
    throw new OpusError(
      "invalid-argument",
      `sampleRate must be a positive number of samples per second, got ${sampleRate}`,
    );
  }
  return { index, source, sampleRate };
}

/** Seconds of recording time to a sample index (rounded to the nearest sample). */
export function secondsToSamples(seconds: number, sampleRate: number): number {
  return Math.round(seconds * sampleRate);
}
