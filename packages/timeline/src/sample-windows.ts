import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { TimelineError } from "./errors.ts";
import { recordingSpan, type TimelineRecording, toEpochMs, utcText } from "./recording-span.ts";

export interface SampleWindowsOptions {
  /** How many windows. */
  count: number;
  /** Each window's length in seconds (of real time: converted at each recording's true rate). */
  durationSeconds: number;
  /**
   * The window's length in samples at a rate, for a caller with its own exact rounding rule
   * (the CLI reads `--duration` as text, by the labels package's rule). Default
   * `Math.round(durationSeconds * sampleRate)`.
   */
  windowSamplesAt?: (sampleRate: number) => number;
  /** The seed: the same seed, recordings and options give the same windows, on any machine. */
  seed: number;
  /** Windows start at or after this time (recordings without `recordedAt` are then left out). */
  from?: Date | string | number;
  /** Windows end at or before this time. */
  to?: Date | string | number;
}

/** A random window: samples [startSample, endSample) of one recording. */
export interface SampledWindow {
  recording: string;
  startSample: number;
  endSample: number;
  sampleRate: number;
  /** UTC time of its first sample, to the millisecond; null for a recording without `recordedAt`. */
  start: string | null;
}

/**
 * `count` random windows of `durationSeconds` that do not overlap, each inside one recording,
 * drawn with a seeded generator (pure-rand's xoroshiro128+, the generator fast-check uses:
 * the same 32-bit seed gives the same sequence in every runtime, which `Math.random` cannot).
 *
 * The draw: every recording holds `floor(totalSamples / window)` window slots; `count` of all
 * the slots are chosen without replacement (Robert Floyd's algorithm), which says how many
 * windows each recording gets, in proportion to its length on average. Inside a recording, k
 * windows are placed by drawing k offsets uniformly in [0, free] (free = length - k × window)
 * and sorting them: window j starts at offset_j + j × window, so windows never overlap and
 * every placement can occur (gaps between windows are as random as the windows are). Windows
 * come sorted by recording (in id order) and start. Fails with `does-not-fit` when fewer than
 * `count` windows fit.
 */
export function sampleWindows(
  recordings: readonly TimelineRecording[],
  options: SampleWindowsOptions,
): SampledWindow[] {
  const { count, durationSeconds, seed } = options;
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new TimelineError("invalid-argument", `count must be a whole number of windows from 1, got ${count}`);
  }
  if (!(durationSeconds > 0) || !Number.isFinite(durationSeconds)) {
    throw new TimelineError("invalid-argument", `durationSeconds must be positive, got ${durationSeconds}`);
  }
  if (!Number.isSafeInteger(seed))
    throw new TimelineError("invalid-argument", `seed must be a whole number, got ${seed}`);
  const fromMs = options.from === undefined ? undefined : toEpochMs(options.from, "from");
  const toMs = options.to === undefined ? undefined : toEpochMs(options.to, "to");
  const sorted = [...recordings].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  // Each recording's samples inside [from, to): whole samples only, so a window never starts
  // before `from` or ends after `to`.
  const bounds = sorted.map((r) => {
    if (fromMs === undefined && toMs === undefined) return { first: 0, end: r.totalSamples };
    const span = recordingSpan(r);
    if (span === null) return { first: 0, end: 0 };
    const first = fromMs === undefined ? 0 : Math.max(0, Math.ceil(((fromMs - span.startMs) * r.sampleRate) / 1000));
    const end =
      toMs === undefined
        ? r.totalSamples
        : Math.min(r.totalSamples, Math.floor(((toMs - span.startMs) * r.sampleRate) / 1000));
    return { first, end: Math.max(first, end) };
  });
  const samplesAt = options.windowSamplesAt ?? ((rate: number) => Math.round(durationSeconds * rate));
  const windowOf = (r: TimelineRecording) => samplesAt(r.sampleRate);
  const tooShort = sorted.find((r) => !(windowOf(r) >= 1));
  if (tooShort !== undefined) {
    throw new TimelineError(
      "invalid-argument",
      `windows of ${durationSeconds} s are shorter than one sample at ${tooShort.sampleRate} Hz (recording ${tooShort.id})`,
    );
  }
  const slots = sorted.map((r, i) => Math.floor((bounds[i]!.end - bounds[i]!.first) / windowOf(r)));
  const totalSlots = slots.reduce((a, b) => a + b, 0);
  if (totalSlots < count) {
    const seconds = sorted.reduce((sum, r, i) => sum + (bounds[i]!.end - bounds[i]!.first) / r.sampleRate, 0);
    throw new TimelineError(
      "does-not-fit",
      `${count} windows of ${durationSeconds} s do not fit in the ${sorted.length} recording(s) selected (${seconds.toFixed(3)} s of audio): at most ${totalSlots} fit without overlapping, each inside one recording`,
    );
  }
  // The seed's low 32 bits, as xoroshiro128plus takes them.
  const rng = xoroshiro128plus(seed | 0);
  const chosen = new Set<number>();
  for (let j = totalSlots - count; j < totalSlots; j++) {
    const t = uniformInt(rng, 0, j);
    chosen.add(chosen.has(t) ? j : t);
  }
  const perRecording = new Array<number>(sorted.length).fill(0);
  const firstSlot: number[] = [];
  let at = 0;
  for (const n of slots) {
    firstSlot.push(at);
    at += n;
  }
  // Which recording holds each chosen slot: a binary search over the first slots.
  for (const slot of chosen) {
    let lo = 0;
    let hi = sorted.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (firstSlot[mid]! <= slot) lo = mid;
      else hi = mid - 1;
    }
    perRecording[lo]!++;
  }
  const windows: SampledWindow[] = [];
  sorted.forEach((recording, i) => {
    const k = perRecording[i]!;
    if (k === 0) return;
    const length = windowOf(recording);
    const { first, end } = bounds[i]!;
    const free = end - first - k * length;
    const offsets = Array.from({ length: k }, () => uniformInt(rng, 0, free)).sort((a, b) => a - b);
    const span = recordingSpan(recording);
    offsets.forEach((offset, j) => {
      const startSample = first + offset + j * length;
      windows.push({
        recording: recording.id,
        startSample,
        endSample: startSample + length,
        sampleRate: recording.sampleRate,
        start: span === null ? null : utcText(span.startMs + (startSample * 1000) / recording.sampleRate),
      });
    });
  });
  return windows;
}
