import { EncodeError } from "./errors.ts";

/** Opus's one decode timeline rate. */
export const OPUS_RATE = 48000;

/** Rates libopus takes as input without a resampler (it decodes them onto the 48 kHz timeline). */
export const NATIVE_OPUS_RATES: readonly number[] = [8000, 12000, 16000, 24000, 48000];

/**
 * How a source's sample rate maps onto Opus's 48 kHz timeline. The one place the rule lives:
 * the encoder, the CLI and the archive all read it from here.
 *
 * - `native`: 48 kHz. Sample n of the source is sample n of the Opus stream.
 * - `upsampled`: 8, 12, 16 or 24 kHz, given to libopus at that rate. The stream is decoded at
 *   48 kHz, where source frame n starts at sample n × `upsampleFactor` (2 to 6, exact), and a
 *   source of n frames decodes to n × `upsampleFactor` samples.
 * - `resampled`: any other rate up to 48 kHz (44.1, 32, 22.05 kHz...), band-limited to 48 kHz
 *   by a resampler before libopus; n frames become round(n × 48000 / rate) samples, and source
 *   time t seconds is 48 kHz sample t × 48000. The archive records `resampledFrom`.
 * - `time-expanded`: above 48 kHz (ultrasound: 96, 250, 384 kHz), or slowed already by the
 *   recorder (GUANO `TE` > 1). Never resampled: sample n stays sample n, labelled 48 kHz, so
 *   the stream plays `timeExpansion` times slower than real time; real time is sample n /
 *   `originalSampleRate`. The archive records `originalSampleRate` and `timeExpansion`.
 */
export type RatePlan =
  | { kind: "native"; sourceRate: 48000; encoderRate: 48000; originalSampleRate: 48000; timeExpansion: 1 }
  | {
      kind: "upsampled";
      sourceRate: number;
      encoderRate: number;
      originalSampleRate: number;
      timeExpansion: 1;
      /** 48000 / sourceRate: 2, 3, 4 or 6. */
      upsampleFactor: number;
    }
  | {
      kind: "resampled";
      sourceRate: number;
      encoderRate: 48000;
      originalSampleRate: number;
      timeExpansion: 1;
      resampledFrom: number;
    }
  | {
      kind: "time-expanded";
      sourceRate: number;
      encoderRate: 48000;
      /** The real-world rate: the source rate times any time expansion the recorder applied. */
      originalSampleRate: number;
      /** originalSampleRate / 48000: how many times slower than real time the stream plays. */
      timeExpansion: number;
    };

export interface RatePlanOptions {
  /**
   * The factor by which the recorder already slowed the audio down (GUANO `TE`): the source's
   * samples are then at `sourceRate × recorderTimeExpansion` in real time. Default 1.
   */
  recorderTimeExpansion?: number;
}

/** The rate rule (see `RatePlan`). Throws `invalid-argument` for a rate that is not a positive integer. */
export function planRate(sourceRate: number, options: RatePlanOptions = {}): RatePlan {
  if (!Number.isSafeInteger(sourceRate) || sourceRate < 1) {
    throw new EncodeError("invalid-argument", `a sample rate must be a positive whole number of Hz, got ${sourceRate}`);
  }
  const te = options.recorderTimeExpansion ?? 1;
  if (!(te > 0) || !Number.isFinite(te)) {
    throw new EncodeError("invalid-argument", `a time-expansion factor must be a positive number, got ${te}`);
  }
  if (te !== 1 || sourceRate > OPUS_RATE) {
    const originalSampleRate = sourceRate * te;
    return {
      kind: "time-expanded",
      sourceRate,
      encoderRate: OPUS_RATE,
      originalSampleRate,
      timeExpansion: originalSampleRate / OPUS_RATE,
    };
  }
  if (sourceRate === OPUS_RATE) {
    return {
      kind: "native",
      sourceRate: OPUS_RATE,
      encoderRate: OPUS_RATE,
      originalSampleRate: OPUS_RATE,
      timeExpansion: 1,
    };
  }
  if (NATIVE_OPUS_RATES.includes(sourceRate)) {
    return {
      kind: "upsampled",
      sourceRate,
      encoderRate: sourceRate,
      originalSampleRate: sourceRate,
      timeExpansion: 1,
      upsampleFactor: OPUS_RATE / sourceRate,
    };
  }
  return {
    kind: "resampled",
    sourceRate,
    encoderRate: OPUS_RATE,
    originalSampleRate: sourceRate,
    timeExpansion: 1,
    resampledFrom: sourceRate,
  };
}

/** Samples on the 48 kHz timeline that `sourceFrames` frames of the source become. */
export function timelineSamples(plan: RatePlan, sourceFrames: number): number {
  switch (plan.kind) {
    case "upsampled":
      return sourceFrames * plan.upsampleFactor;
    case "resampled":
      return resampledLength(sourceFrames, plan.sourceRate, OPUS_RATE);
    default:
      return sourceFrames;
  }
}

/** round(n × outRate / inRate) in exact integer arithmetic (halves up), the resampler's length rule. */
export function resampledLength(frames: number, inRate: number, outRate: number): number {
  const product = BigInt(frames) * BigInt(outRate);
  const rate = BigInt(inRate);
  return Number((2n * product + rate) / (2n * rate));
}
