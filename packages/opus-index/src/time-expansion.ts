import { OpusError } from "./errors.ts";
import { type OpusTags, tagValues } from "./opus-tags.ts";
import { OPUS_SAMPLE_RATE } from "./recording.ts";

/**
 * The OpusTags comments by which a time-expanded file says what it is (written by
 * `@granule/encode`; docs/encode.md): `RATE_PLAN=time-expanded`, `ORIGINAL_SAMPLE_RATE=<Hz>`,
 * `TIME_EXPANSION=<factor>`. The file then carries its true rate itself, so that it is named
 * once, where the samples were made, and every reader of the file agrees.
 */
export const RATE_PLAN_TAG = "RATE_PLAN";
export const ORIGINAL_SAMPLE_RATE_TAG = "ORIGINAL_SAMPLE_RATE";
export const TIME_EXPANSION_TAG = "TIME_EXPANSION";

/**
 * The true sample rate a time-expanded file declares in its tags, or undefined when it declares
 * none. Tags that contradict each other are a typed error, never a guess.
 */
export function declaredOriginalRate(tags: OpusTags): number | undefined {
  const plans = tagValues(tags, RATE_PLAN_TAG);
  if (!plans.includes("time-expanded")) return undefined;
  const rates = [...new Set(tagValues(tags, ORIGINAL_SAMPLE_RATE_TAG))];
  const rate = Number(rates[0]);
  if (rates.length !== 1 || !Number.isSafeInteger(rate) || rate < 48_000) {
    throw new OpusError(
      "bad-tags",
      `the file says it is time-expanded (${RATE_PLAN_TAG}=time-expanded) but its ${ORIGINAL_SAMPLE_RATE_TAG} tags say ${JSON.stringify(rates)}`,
    );
  }
  const factors = tagValues(tags, TIME_EXPANSION_TAG);
  if (factors.some((f) => Math.abs(Number(f) * 48_000 - rate) > 1e-6 * rate)) {
    throw new OpusError(
      "bad-tags",
      `the file's ${TIME_EXPANSION_TAG} (${factors.join(", ")}) disagrees with its ${ORIGINAL_SAMPLE_RATE_TAG} ${rate}`,
    );
  }
  return rate;
}

/**
 * The true rate of a plain file's samples: the one the file declares in its tags, else the
 * caller's (an `--original-rate`), else 48 kHz. A given rate that contradicts the declared one
 * is refused, never one of them silently chosen; tags that disagree with each other are refused
 * too, unless the given rate is one they name (the caller settles which). Every way of opening a plain file (from disk
 * or a URL, by sidecar, sparse or whole read) and of importing one asks this, so that they all
 * place samples alike.
 */
export function plainFileRate(tags: OpusTags, given: number | undefined): number {
  let declared: number | undefined;
  try {
    declared = declaredOriginalRate(tags);
  } catch (error) {
    // Tags that disagree with each other: a given rate that one of them names settles it (as
    // an `--original-rate` did before this rule); any other is refused with the tags' words.
    const named = [
      ...tagValues(tags, ORIGINAL_SAMPLE_RATE_TAG).map(Number),
      ...tagValues(tags, TIME_EXPANSION_TAG).map((f) => Math.round(Number(f) * OPUS_SAMPLE_RATE)),
    ];
    if (given !== undefined && error instanceof OpusError && named.includes(given)) return given;
    throw error;
  }
  if (declared !== undefined && given !== undefined && given !== declared) {
    throw new OpusError(
      "invalid-argument",
      `the rate given is ${given} Hz, but the file declares itself time-expanded from ${declared} Hz (its ${ORIGINAL_SAMPLE_RATE_TAG} tag): give none, or the same`,
    );
  }
  return declared ?? given ?? OPUS_SAMPLE_RATE;
}
