import { LabelError, timeTextToSample } from "@granule/labels";
import { UsageError } from "./usage-error.ts";

/**
 * A time in the recording's own time, to a sample index at `sampleRate`: seconds (`12.5`),
 * `hh:mm:ss.sss` or `mm:ss.sss`, or a number with a unit (`1500ms`, `2.5s`, `3min`, `1h`).
 * For a time-expanded recording `sampleRate` is its true rate, so times are real time. Read
 * and rounded by the labels package (exact decimals, half up), so a time gives the same
 * sample here as in a label table.
 */
export function parseTime(text: string, sampleRate: number, what = "time"): number {
  let sample: number | undefined;
  try {
    sample = timeTextToSample(text, sampleRate);
  } catch (error) {
    if (error instanceof LabelError) throw new UsageError(`${what} "${text}": ${error.message}`);
    throw error;
  }
  if (sample === undefined) {
    throw new UsageError(
      `${what} "${text}" is not a time: use seconds (12.5), hh:mm:ss.sss (minutes and seconds below 60), or a unit (1500ms, 2.5s, 3min)`,
    );
  }
  return sample;
}

/** A whole, non-negative sample number given on the command line. */
export function parseSample(text: string, what: string): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${what} "${text}" is not a whole number of samples`);
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new UsageError(`${what} "${text}" is too large`);
  return value;
}

/** Seconds as h:mm:ss.sss for people. */
export function formatDuration(seconds: number): string {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds - hours * 3600 - minutes * 60;
  return `${hours}:${String(minutes).padStart(2, "0")}:${rest.toFixed(3).padStart(6, "0")}`;
}

/** Milliseconds of decoder pre-roll (always 48 kHz Opus time) to samples. */
export function preRollSamples(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = Number(text);
  if (!Number.isFinite(ms) || ms < 0 || text.trim() === "") {
    throw new UsageError(`--pre-roll "${text}" is not a number of milliseconds`);
  }
  return Math.round(ms * 48);
}

/** A whole number of something (workers, hertz) given on the command line. */
export function parseCount(text: string, what: string): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${what} "${text}" is not a whole number`);
  return Number(text);
}
