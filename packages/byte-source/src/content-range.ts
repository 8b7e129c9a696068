/** A single-range `Content-Range: bytes first-last/total` (total `undefined` for `*`). */
export interface ContentRange {
  first: number;
  last: number;
  total: number | undefined;
}

/** Parses `bytes a-b/n` or `bytes a-b/*`; `undefined` for anything else (multipart answers included). */
export function parseContentRange(header: string | null): ContentRange | undefined {
  const match = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(header ?? "");
  if (match === null) return undefined;
  const first = Number(match[1]);
  const last = Number(match[2]);
  const total = match[3] === "*" ? undefined : Number(match[3]);
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || last < first) return undefined;
  if (total !== undefined && (!Number.isSafeInteger(total) || last >= total)) return undefined;
  return { first, last, total };
}

/** The size in a 416's `Content-Range: bytes *\/n`. */
export function unsatisfiedSize(header: string | null): number | undefined {
  const match = /^\s*bytes\s+\*\/(\d+)\s*$/i.exec(header ?? "");
  const total = match === null ? Number.NaN : Number(match[1]);
  return Number.isSafeInteger(total) ? total : undefined;
}
