/*
 * The common case of decimal.ts, without BigInt or regular expressions: cells such as "3.0",
 * "12.25" or "1.897648165999982" (digits and at most one point, nothing else) as an exact
 * `units / 10^scale` with `units` a safe integer. Reading millions of rows, this is most of
 * the work. Anything else (signs, exponents, spaces, commas, more digits than a double holds
 * exactly) gives undefined, and the caller takes decimal.ts's exact path, which decides,
 * formats and refuses exactly as before: these functions only ever give its answers faster.
 */

/** An exact non-negative decimal `units / 10^scale`, normalised (no trailing zero digits), and its canonical text when known. */
export interface Fixed {
  readonly units: number;
  readonly scale: number;
  /** The canonical text (formatDecimal's), when the cell already was it. */
  readonly text: string | undefined;
}

/** Exact powers of ten as doubles (10^22 is the last). */
const POWERS = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** Below this, units * 10 + 9 is still a safe integer. */
const UNITS_LIMIT = Math.floor((Number.MAX_SAFE_INTEGER - 9) / 10);

/**
 * A plain non-negative decimal cell ("3", "3.0", ".5", "12.") exactly, or undefined: not plain
 * (the exact path then reads or refuses it), or too many digits. Plain text is always a
 * number parseDecimal reads, so undefined never hides a number this path could refuse.
 */
export function plainDecimal(text: string): Fixed | undefined {
  const n = text.length;
  if (n === 0 || n > 100) return undefined;
  let units = 0;
  let scale = 0;
  let point = -1;
  let digits = 0;
  // Zeros after the point not yet known to be followed by another digit: they are not counted.
  let zeros = 0;
  let leadingZero = false;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (point !== -1) return undefined;
      point = i;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9) return undefined;
    digits += 1;
    if (point === -1) {
      if (units === 0 && d === 0) {
        leadingZero = true;
        continue;
      }
      if (units > UNITS_LIMIT) return undefined;
      units = units * 10 + d;
      continue;
    }
    if (d === 0) {
      zeros += 1;
      continue;
    }
    // Digits after the point: the zeros before this digit count now.
    for (; zeros > 0; zeros--) {
      if (units > UNITS_LIMIT) return undefined;
      units *= 10;
      scale += 1;
    }
    if (units > UNITS_LIMIT) return undefined;
    units = units * 10 + d;
    scale += 1;
  }
  if (digits === 0) return undefined;
  if (scale > 22) return undefined;
  // Canonical: no point at either end, no trailing zeros after it, no leading zero before a
  // digit ("0.5" is canonical, "00.5", "05" and "0" with a point after nothing are not).
  const wholeDigits = point === -1 ? n : point;
  const canonical =
    point !== 0 &&
    point !== n - 1 &&
    zeros === 0 &&
    !(leadingZero && wholeDigits > 1) &&
    !(point === -1 && leadingZero && n > 1);
  return { units, scale, text: canonical ? text : undefined };
}

/** Whether a cell is plain decimal text (digits and at most one point, at least one digit, at most 100 characters). */
export function isPlainDecimal(text: string): boolean {
  const n = text.length;
  if (n === 0 || n > 100) return false;
  let point = false;
  let digits = false;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (point) return false;
      point = true;
    } else if (c >= 48 && c <= 57) digits = true;
    else return false;
  }
  return digits;
}

/** A cell of digits only (1 to 15 of them), as a number; else -1. */
export function plainWhole(text: string): number {
  const n = text.length;
  if (n === 0 || n > 15) return -1;
  let value = 0;
  for (let i = 0; i < n; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/** a and b at one scale, or undefined when that takes more than a safe integer. */
function aligned(a: Fixed, b: Fixed): [number, number, number] | undefined {
  if (a.scale === b.scale) return [a.units, b.units, a.scale];
  if (a.scale > b.scale) {
    const x = b.units * POWERS[a.scale - b.scale]!;
    return Number.isSafeInteger(x) ? [a.units, x, a.scale] : undefined;
  }
  const x = a.units * POWERS[b.scale - a.scale]!;
  return Number.isSafeInteger(x) ? [x, b.units, b.scale] : undefined;
}

/** Sign of a - b (exact: the units are safe integers at one scale). */
export function compareFixed(a: Fixed, b: Fixed): number | undefined {
  const ab = aligned(a, b);
  if (ab === undefined) return undefined;
  return ab[0] < ab[1] ? -1 : ab[0] > ab[1] ? 1 : 0;
}

/** a + b, or undefined when not exact as a safe integer. */
export function addFixed(a: Fixed, b: Fixed): Fixed | undefined {
  const ab = aligned(a, b);
  if (ab === undefined) return undefined;
  const units = ab[0] + ab[1];
  return Number.isSafeInteger(units) ? normalised(units, ab[2]) : undefined;
}

/** a - b for a >= b, or undefined (also when negative: the exact path says what is wrong). */
export function subtractFixed(a: Fixed, b: Fixed): Fixed | undefined {
  const ab = aligned(a, b);
  if (ab === undefined || ab[0] < ab[1]) return undefined;
  return normalised(ab[0] - ab[1], ab[2]);
}

function normalised(units: number, scale: number): Fixed {
  let u = units;
  let s = scale;
  while (s > 0 && u % 10 === 0) {
    u /= 10;
    s -= 1;
  }
  return { units: u, scale: s, text: undefined };
}

/** formatDecimal's canonical text of a Fixed. */
export function formatFixed(value: Fixed): string {
  if (value.text !== undefined) return value.text;
  const digits = String(value.units);
  const { scale } = value;
  if (scale === 0) return digits;
  if (digits.length > scale) return `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return `0.${"0".repeat(scale - digits.length)}${digits}`;
}
