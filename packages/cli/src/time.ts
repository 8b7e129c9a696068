import { LabelError, secondsToSample } from "@granule/labels";
import { UsageError } from "./usage-error.ts";

/** Each unit as a fraction of a second: seconds = value x multiplier / 10^shift, exactly. */
const UNITS: Record<string, { multiplier: bigint; shift: number }> = {
  ms: { multiplier: 1n, shift: 3 },
  s: { multiplier: 1n, shift: 0 },
  sec: { multiplier: 1n, shift: 0 },
  m: { multiplier: 60n, shift: 0 },
  min: { multiplier: 60n, shift: 0 },
  h: { multiplier: 3600n, shift: 0 },
};

/**
 * A time in the recording's own time, to a sample index at `sampleRate`: seconds (`12.5`),
 * `hh:mm:ss.sss` or `mm:ss.sss`, or a number with a unit (`1500ms`, `2.5s`, `3min`, `1h`).
 * For a time-expanded recording `sampleRate` is its true rate, so times are real time. The
 * seconds are exact decimals, turned into a sample by the labels package's one rule (half
 * up), so a time gives the same sample here as in a label table.
 */
export function parseTime(text: string, sampleRate: number, what = "time"): number {
  const trimmed = text.trim();
  let seconds: string;
  const clock = /^(?:(\d+):)?(\d+):(\d+(?:\.\d*)?)$/.exec(trimmed);
  const withUnit = /^(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|sec|m|min|h)?$/.exec(trimmed);
  if (clock) {
    const [, hours = "0", minutes, secs] = clock;
    if (Number(minutes) >= 60 && clock[1] !== undefined)
      throw new UsageError(`${what} "${text}": minutes must be below 60`);
    if (Number(secs) >= 60) throw new UsageError(`${what} "${text}": seconds must be below 60`);
    const [whole, fraction = ""] = secs!.split(".");
    const wholeSeconds = BigInt(hours) * 3600n + BigInt(minutes!) * 60n + BigInt(whole!);
    seconds = fraction === "" ? String(wholeSeconds) : `${wholeSeconds}.${fraction}`;
  } else if (withUnit) {
    const { multiplier, shift } = UNITS[withUnit[2] ?? "s"]!;
    seconds = scaledDecimal(withUnit[1]!, multiplier, shift);
  } else {
    throw new UsageError(
      `${what} "${text}" is not a time: use seconds (12.5), hh:mm:ss.sss, or a unit (1500ms, 2.5s, 3min)`,
    );
  }
  try {
    return secondsToSample(seconds, sampleRate);
  } catch (error) {
    if (error instanceof LabelError) throw new UsageError(`${what} "${text}": ${error.message}`);
    throw error;
  }
}

/** Decimal text (digits, an optional point) times `multiplier` over 10^`shift`, as exact decimal text. */
function scaledDecimal(text: string, multiplier: bigint, shift: number): string {
  const [whole = "", fraction = ""] = text.split(".");
  const scale = fraction.length + shift;
  const units = BigInt(`${whole}${fraction}` || "0") * multiplier;
  if (scale === 0) return String(units);
  const digits = String(units).padStart(scale + 1, "0");
  return `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
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
