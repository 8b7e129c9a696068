import { compareDecimal, type Decimal, isNegative, parseDecimal } from "./decimal.ts";
import { LabelError } from "./errors.ts";
import { isPlainDecimal, plainWhole } from "./fast-decimal.ts";

/** Where a cell is, for messages. */
export interface CellPlace {
  file: string;
  row: number;
  column?: string | undefined;
}

/** A cell of seconds from the start of a recording: exact, not negative. */
export function secondsCell(text: string, place: CellPlace, options: { comma?: boolean } = {}): Decimal {
  const value = parseDecimal(text, options);
  if (value === undefined) {
    throw new LabelError("bad-number", `${JSON.stringify(text)} is not a number of seconds`, place);
  }
  if (isNegative(value)) {
    throw new LabelError("negative-time", `${text.trim()} s is before the start of the recording`, place);
  }
  return value;
}

/** A cell of hertz, or undefined when empty. */
export function hertzCell(text: string, place: CellPlace, options: { comma?: boolean } = {}): number | undefined {
  // Digits and a point (almost every cell): a non-negative number, read as Number reads it.
  if (isPlainDecimal(text)) return Number(text);
  if (text.trim() === "") return undefined;
  const value = parseDecimal(text, options);
  if (value === undefined)
    throw new LabelError("bad-number", `${JSON.stringify(text)} is not a frequency in Hz`, place);
  if (isNegative(value)) throw new LabelError("bad-number", `${text.trim()} Hz is negative`, place);
  return Number(text.trim().replace(",", "."));
}

/** A whole number cell (a channel, a sample), not negative. */
export function wholeCell(text: string, place: CellPlace, what: string): number {
  const plain = plainWhole(text);
  if (plain !== -1) return plain;
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) throw new LabelError("bad-number", `${JSON.stringify(text)} is not ${what}`, place);
  const value = Number(trimmed);
  if (!Number.isSafeInteger(value)) throw new LabelError("bad-number", `${trimmed} is too large for ${what}`, place);
  return value;
}

/** A 0-based channel from a cell counting from `base` (1 for Raven, 0 for Kaleidoscope and the plain CSV). */
export function channelCell(text: string, place: CellPlace, base: 0 | 1): number | undefined {
  const plain = plainWhole(text);
  if (plain >= base) return plain - base;
  if (text.trim() === "") return undefined;
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed) || Number(trimmed) < base || !Number.isSafeInteger(Number(trimmed))) {
    throw new LabelError(
      "bad-channel",
      `${JSON.stringify(text)} is not a channel number (they count from ${base} in this format)`,
      place,
    );
  }
  return Number(trimmed) - base;
}

export function checkOrder(start: Decimal, end: Decimal, place: CellPlace): void {
  if (compareDecimal(end, start) < 0) {
    throw new LabelError("end-before-start", `the label ends before it starts`, place);
  }
}
