import { addDecimal, type Decimal, decimalFromInteger, parseDecimal, subtractDecimal } from "./decimal.ts";
import { LabelError } from "./errors.ts";

// Date and time, `T` or a space between them, seconds optional with any fraction, then `Z` or
// an offset (+02:00, +0200, +02). A time without either is refused: it would be local time of
// an unknown place, and reading it as UTC would be a wrong answer in silence.
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?\s*(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)$/;

/** Whether text looks like an ISO 8601 date and time (with or without a zone), for detection. */
export function looksLikeIsoDateTime(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}/.test(text.trim());
}

/** Seconds since 1970-01-01T00:00:00Z, exactly (fractions of any length are kept). */
export function parseUtc(text: string): Decimal {
  const match = ISO.exec(text.trim());
  if (match === null) {
    const hint = looksLikeIsoDateTime(text) ? " (it needs Z or an offset such as +02:00)" : "";
    throw new LabelError("bad-number", `${JSON.stringify(text)} is not an ISO 8601 UTC time${hint}`);
  }
  const [, y, mo, d, h, mi, s = "0", fraction = "", z, sign, oh = "0", om = "0"] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const offsetMinutes = z !== undefined ? 0 : (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om));
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    Number(oh) > 23 ||
    Number(om) > 59
  ) {
    // Leap seconds (:60) are refused too: a recorder's clock cannot place them.
    throw new LabelError("bad-number", `${JSON.stringify(text)} is not a valid date and time`);
  }
  const whole =
    BigInt(daysFromCivil(year, month, day)) * 86_400n +
    BigInt(hour * 3600 + minute * 60 + second) -
    BigInt(offsetMinutes * 60);
  const fractional = fraction === "" ? decimalFromInteger(0) : parseDecimal(`0${fraction}`)!;
  return addDecimal(decimalFromInteger(whole), fractional);
}

/** Seconds from `startUtc` to `utc`, exactly (negative if `utc` is earlier). */
export function utcToSeconds(utc: string, startUtc: string): Decimal {
  return subtractDecimal(parseUtc(utc), parseUtc(startUtc));
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}
