import { ArchiveError } from "./errors.ts";
import { ID_PATTERN, MANIFEST_GROUP, NUMERIC_ID_DIGITS } from "./format.ts";

/** Whether `name` may name a recording: the id rules of docs/format.md. */
export function isRecordingId(name: string): boolean {
  return ID_PATTERN.test(name) && name !== MANIFEST_GROUP;
}

export function checkId(id: string): void {
  if (!isRecordingId(id)) {
    throw new ArchiveError(
      "invalid-id",
      `"${id}" is not a recording id: 1-128 of A-Z a-z 0-9 . _ -, starting with a letter or digit, and not "${MANIFEST_GROUP}"`,
      { id },
    );
  }
}

/**
 * The number a numeric id stands for, or undefined for other ids. Only all-digit ids up to
 * 2^53 - 1 are numeric: larger ones cannot be counted on exactly, so they are ordinary names
 * (and one of them cannot push the automatic ids out of range).
 */
export function numericValue(id: string): number | undefined {
  if (!/^\d+$/.test(id)) return undefined;
  const value = Number(id);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** The id the importer gives the `n`th recording: `000001`. */
export function numericId(n: number): string {
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new ArchiveError("id-taken", `no numeric id is left after ${n - 1}: ids are counted up to 2^53 - 1`);
  }
  return String(n).padStart(NUMERIC_ID_DIGITS, "0");
}

/** The largest numeric id among `ids`, or 0. */
export function highestNumericId(ids: Iterable<string>): number {
  let highest = 0;
  for (const id of ids) {
    const value = numericValue(id);
    if (value !== undefined && value > highest) highest = value;
  }
  return highest;
}

/** Orders ids: numeric ones by value first, then the rest as strings. */
export function compareIds(a: string, b: string): number {
  const na = numericValue(a);
  const nb = numericValue(b);
  if (na !== undefined && nb !== undefined) return na - nb || compareText(a, b);
  if (na !== undefined) return -1;
  if (nb !== undefined) return 1;
  return compareText(a, b);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
