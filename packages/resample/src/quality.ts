import { ResampleError } from "./errors.ts";

/**
 * The low-pass filter, with frequencies as fractions of the lower rate's Nyquist frequency
 * (half of min(inRate, outRate)): flat from 0 to `passband`, at least `rejectionDb` down from
 * `stopband` on. A stopband above 1 lets the filter's transition cross the Nyquist frequency:
 * then whatever aliases lands between 2 - stopband and 1, never in the passband when
 * stopband <= 2 - passband (sox's "allow aliasing above the pass-band", `rate -a`).
 */
export interface QualitySpec {
  readonly passband: number;
  readonly stopband: number;
  readonly rejectionDb: number;
}

export type QualityName = "fast" | "high" | "strict";

/** A preset name or a filter specification. */
export type Quality = QualityName | QualitySpec;

export const QUALITY_PRESETS: Readonly<Record<QualityName, QualitySpec>> = {
  /** Flat to 0.8, 80 dB from 1.2: about a third of the taps of "high", for previews. */
  fast: { passband: 0.8, stopband: 1.2, rejectionDb: 80 },
  /** The default. Flat to 0.9, 100 dB from 1.1: the passband is alias-free to 100 dB. */
  high: { passband: 0.9, stopband: 1.1, rejectionDb: 100 },
  /** Flat to 0.9, 100 dB from 1.0: nothing aliases anywhere; twice the taps of "high". */
  strict: { passband: 0.9, stopband: 1.0, rejectionDb: 100 },
};

export const DEFAULT_QUALITY: QualityName = "high";

export function qualitySpec(quality: Quality | undefined): QualitySpec {
  if (quality === undefined) return QUALITY_PRESETS[DEFAULT_QUALITY];
  if (typeof quality === "string") {
    const preset = Object.hasOwn(QUALITY_PRESETS, quality) ? QUALITY_PRESETS[quality] : undefined;
    if (preset === undefined) {
      throw new ResampleError(
        "invalid-quality",
        `quality must be one of ${Object.keys(QUALITY_PRESETS).join(", ")} or a specification, got "${quality}"`,
      );
    }
    return preset;
  }
  const { passband, stopband, rejectionDb } = (quality ?? {}) as Partial<QualitySpec>;
  const ok =
    typeof passband === "number" &&
    typeof stopband === "number" &&
    typeof rejectionDb === "number" &&
    passband > 0 &&
    stopband > passband &&
    stopband <= 2 &&
    stopband - passband >= 0.01 &&
    rejectionDb >= 50 &&
    rejectionDb <= 160;
  if (!ok) {
    throw new ResampleError(
      "invalid-quality",
      `a quality specification needs 0 < passband < stopband <= 2 (at least 0.01 apart) and 50 <= rejectionDb <= 160, got ${JSON.stringify(quality)}`,
    );
  }
  return { passband, stopband, rejectionDb };
}

export function qualityKey(spec: QualitySpec): string {
  return `${spec.passband}/${spec.stopband}/${spec.rejectionDb}`;
}
