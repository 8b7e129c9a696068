/**
 * Exact decimal numbers: `units / 10^scale`. Times in label tables are decimal text ("0.1",
 * "1.897648165999982"); read as binary floats, "0.1" at 48 kHz would sit a hair below sample
 * 4800. Kept exact, every conversion to samples is exact, and sums such as Raven's
 * `File Offset + (End Time - Begin Time)` or Kaleidoscope's `OFFSET + DURATION` are exact too.
 */
export interface Decimal {
  readonly units: bigint;
  readonly scale: number;
}

/** Longer number text is refused rather than parsed (no table writes times with 100 digits). */
const MAX_TEXT = 100;
const MAX_EXPONENT = 100;

const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

export interface ParseDecimalOptions {
  /** Accept a comma as the decimal separator too (Audacity reads both; old versions wrote the locale's). */
  comma?: boolean;
}

/** The exact value of decimal text (`12`, `-0.5`, `.25`, `1.5e-3`), or undefined if it is not one. */
export function parseDecimal(text: string, options: ParseDecimalOptions = {}): Decimal | undefined {
  let trimmed = text.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_TEXT) return undefined;
  if (options.comma === true) {
    if (trimmed.includes(",") && trimmed.includes(".")) return undefined;
    trimmed = trimmed.replace(",", ".");
  }
  const match = NUMBER.exec(trimmed);
  if (match === null) return undefined;
  const [, sign = "", whole = "", fraction = "", exponentText] = match;
  if (whole.length + fraction.length === 0) return undefined;
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  if (Math.abs(exponent) > MAX_EXPONENT) return undefined;
  // Trailing zeros dropped from the text, not by BigInt division (the hot path of reading tables).
  let digits = `${whole}${fraction}`;
  let scale = fraction.length - exponent;
  let end = digits.length;
  while (scale > 0 && end > 0 && digits.charCodeAt(end - 1) === 48) {
    end -= 1;
    scale -= 1;
  }
  if (end < digits.length) digits = digits.slice(0, end);
  let units = BigInt(digits === "" ? "0" : digits);
  if (scale < 0) {
    units *= 10n ** BigInt(-scale);
    scale = 0;
  }
  if (sign === "-") units = -units;
  return normalise({ units, scale });
}

/** The decimal a JavaScript number shows in its shortest form (0.1 -> 0.1, what a person wrote). */
export function decimalFromNumber(value: number): Decimal | undefined {
  if (!Number.isFinite(value)) return undefined;
  return parseDecimal(String(value));
}

export function decimalFromInteger(value: bigint | number): Decimal {
  return { units: BigInt(value), scale: 0 };
}

/** Canonical text: no sign for zero, no trailing zeros, no exponent (`3`, `0.00095`, `-1.5`). */
export function formatDecimal(value: Decimal): string {
  const { units, scale } = normalise(value);
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString();
  if (scale === 0) return `${negative ? "-" : ""}${digits}`;
  const padded = digits.padStart(scale + 1, "0");
  const point = padded.length - scale;
  return `${negative ? "-" : ""}${padded.slice(0, point)}.${padded.slice(point)}`;
}

export function addDecimal(a: Decimal, b: Decimal): Decimal {
  const [x, y, scale] = align(a, b);
  return normalise({ units: x + y, scale });
}

export function subtractDecimal(a: Decimal, b: Decimal): Decimal {
  const [x, y, scale] = align(a, b);
  return normalise({ units: x - y, scale });
}

export function compareDecimal(a: Decimal, b: Decimal): number {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function isNegative(value: Decimal): boolean {
  return value.units < 0n;
}

/** floor(n / d) for d > 0, also for negative n (BigInt division truncates toward zero). */
export function floorDivide(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n % d !== 0n && n < 0n ? q - 1n : q;
}

function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  if (a.scale === b.scale) return [a.units, b.units, a.scale];
  if (a.scale > b.scale) return [a.units, b.units * 10n ** BigInt(a.scale - b.scale), a.scale];
  return [a.units * 10n ** BigInt(b.scale - a.scale), b.units, b.scale];
}

function normalise(value: Decimal): Decimal {
  if (value.scale === 0) return value;
  let { units, scale } = value;
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale -= 1;
  }
  return { units, scale };
}
