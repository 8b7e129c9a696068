import { type Decimal, decimalFromNumber, floorDivide, formatDecimal, isNegative, parseDecimal } from "./decimal.ts";
import { LabelError } from "./errors.ts";
import type { LabelRow, TimePoint } from "./row.ts";
import { utcToSeconds } from "./utc.ts";

/**
 * THE rounding rule of this package: a time in seconds is at sample `floor(seconds * rate + 1/2)`,
 * computed exactly from the decimal text: the nearest sample, and exactly half-way rounds up
 * (toward the later sample).
 *
 * Why half up and not half to even: it commutes with whole-sample shifts,
 * `secondsToSample(t + n / rate) = secondsToSample(t) + n`, so a box keeps its length in samples
 * wherever it starts (a Raven box in table time and in its own file round alike), and it is
 * what `Math.round` does, as the `granule` command always has. Exact half-way times are rare
 * (at 48 kHz "0.00003125" is 1.5 samples) but they are decided the same way every time.
 *
 * `seconds` is decimal text ("0.1", "1.2345", "9.5E-4") or a number (taken as the decimal its
 * shortest form shows: 0.1 is "0.1"). "0.1" at 48 kHz is sample 4800, not 4799 from float error.
 * `rate` is the recording's TRUE rate: for time-expanded ultrasound the original rate (384000),
 * since tables give real time.
 */
export function secondsToSample(seconds: string | number, rate: number): number {
  const value = typeof seconds === "number" ? decimalFromNumber(seconds) : parseDecimal(seconds);
  if (value === undefined) {
    throw new LabelError("bad-number", `${JSON.stringify(String(seconds))} is not a number of seconds`);
  }
  return decimalToSample(value, rate);
}

/** {@link secondsToSample} on an exact decimal. */
export function decimalToSample(seconds: Decimal, rate: number): number {
  checkRate(rate);
  if (isNegative(seconds)) {
    throw new LabelError("negative-time", `${formatDecimal(seconds)} s is before the start of the recording`);
  }
  const denominator = 10n ** BigInt(seconds.scale);
  const sample = floorDivide(2n * seconds.units * BigInt(rate) + denominator, 2n * denominator);
  if (sample > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new LabelError("invalid-argument", `${formatDecimal(seconds)} s at ${rate} Hz is beyond the largest sample`);
  }
  return Number(sample);
}

/**
 * Seconds as decimal text that {@link secondsToSample} reads back as exactly `sample`: the
 * nearest multiple of 10^-d, where d is the number of digits of `rate` (5 decimals at 48 kHz,
 * 6 at 384 kHz), trailing zeros dropped. Why that is enough: the written time is within
 * 10^-d / 2 s of sample / rate, that is within rate / (2 * 10^d) < 1/2 sample, since 10^d > rate.
 * Exact values stay exact (4800 at 48 kHz is "0.1").
 */
export function sampleToSeconds(sample: number, rate: number): string {
  checkRate(rate);
  if (!Number.isSafeInteger(sample) || sample < 0) {
    throw new LabelError("invalid-argument", `a sample must be a whole number >= 0, got ${sample}`);
  }
  const decimals = String(rate).length;
  const scale = 10n ** BigInt(decimals);
  const r = BigInt(rate);
  // Nearest multiple of 10^-decimals, half up: floor((2 * sample * 10^d + rate) / (2 * rate)).
  const units = floorDivide(2n * BigInt(sample) * scale + r, 2n * r);
  return formatDecimal({ units, scale: decimals });
}

export interface RowSamplesOptions {
  /** The recording's start as ISO 8601 with `Z` or an offset: needed for rows with UTC positions. */
  recordingStartUtc?: string;
  /** The table's name, for messages. */
  file?: string;
}

/** A row's start and end as samples at `rate` (the recording's true rate), by {@link secondsToSample}. */
export function rowSamples(
  row: LabelRow,
  rate: number,
  options: RowSamplesOptions = {},
): { startSample: number; endSample: number } {
  const startSample = pointToSample(row.start, rate, options, row.row, "start");
  const endSample = pointToSample(row.end, rate, options, row.row, "end");
  if (endSample < startSample) {
    throw new LabelError("end-before-start", `ends at sample ${endSample}, before its start ${startSample}`, {
      file: options.file,
      row: row.row,
    });
  }
  return { startSample, endSample };
}

/** One position as a sample at `rate`. */
export function pointToSample(
  point: TimePoint,
  rate: number,
  options: RowSamplesOptions = {},
  row?: number,
  what = "position",
): number {
  const where = { file: options.file, row };
  try {
    if ("sample" in point) return point.sample;
    if ("seconds" in point) return secondsToSample(point.seconds, rate);
    if (options.recordingStartUtc === undefined) {
      throw new LabelError(
        "needs-recording-start",
        `the ${what} is a UTC time (${point.utc}); give the recording's start (recordingStartUtc) to place it`,
        where,
      );
    }
    return decimalToSample(utcToSeconds(point.utc, options.recordingStartUtc), rate);
  } catch (error) {
    if (error instanceof LabelError && error.row === undefined && row !== undefined) {
      throw new LabelError(error.code, `${what}: ${error.message}`, { ...where, cause: error });
    }
    throw error;
  }
}

/** The sample of a UTC time in a recording that starts at `recordingStartUtc` (both ISO 8601 with Z or an offset). */
export function utcToSample(utc: string, recordingStartUtc: string, rate: number): number {
  return decimalToSample(utcToSeconds(utc, recordingStartUtc), rate);
}

export function checkRate(rate: number): void {
  if (!Number.isSafeInteger(rate) || rate <= 0) {
    throw new LabelError("invalid-argument", `a sample rate must be a positive whole number of hertz, got ${rate}`);
  }
}
