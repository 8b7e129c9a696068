/**
 * The per-page columns of an index, in one table that the in-memory rows, the sidecar and the
 * archive's index arrays all follow: add a column here and every one of them has it.
 *
 * `signed` says whether the integers a float column holds can be negative (for storage as int64
 * or uint64). `since` is the first sidecar format version with the column: columns added after
 * version 1 may be absent from indexes read from older archives.
 */
export const PAGE_ROW_COLUMNS = [
  { name: "byteOffset", type: Float64Array, signed: false, since: 1, meaning: "where the page starts in the file" },
  { name: "byteLength", type: Uint32Array, signed: false, since: 1, meaning: "the whole page's length in bytes" },
  {
    name: "granule",
    type: BigInt64Array,
    signed: true,
    since: 1,
    meaning: "the page's granule as written (-1 when no packet ends on it)",
  },
  {
    name: "startSample",
    type: Float64Array,
    signed: true,
    since: 1,
    meaning: "timeline start of the first packet that starts on the page (where the next one starts if none does)",
  },
  {
    name: "endSample",
    type: Float64Array,
    signed: true,
    since: 1,
    meaning: "timeline end of the last packet that ends on the page (the previous row's if none ends here)",
  },
  {
    name: "packetStart",
    type: Uint32Array,
    signed: false,
    since: 1,
    meaning: "index (into packetSamples) of the first packet that starts on the page",
  },
  { name: "packetCount", type: Uint16Array, signed: false, since: 1, meaning: "packets that start on the page" },
  {
    name: "flags",
    type: Uint8Array,
    signed: false,
    since: 1,
    meaning:
      "the page header flags (continued 1, BOS 2, EOS 4), plus OPEN_END (0x80): the last packet starting here ends on a later page",
  },
  { name: "link", type: Uint16Array, signed: false, since: 1, meaning: "the link the row belongs to" },
  {
    name: "crc",
    type: Uint32Array,
    signed: false,
    since: 2,
    meaning: "the page's CRC as stored in its header: a read of the page must find the same",
  },
  {
    name: "sequence",
    type: Uint32Array,
    signed: false,
    since: 2,
    meaning: "the page's sequence number in its stream (the serial is the link's)",
  },
] as const;

export type PageColumn = (typeof PAGE_ROW_COLUMNS)[number];
export type PageColumnName = PageColumn["name"];
/** The array a column holds (over any buffer: rows may be views into a sidecar's or archive's bytes). */
type ColumnArray<C extends PageColumn> = C["type"] extends Float64ArrayConstructor
  ? Float64Array
  : C["type"] extends BigInt64ArrayConstructor
    ? BigInt64Array
    : C["type"] extends Uint32ArrayConstructor
      ? Uint32Array
      : C["type"] extends Uint16ArrayConstructor
        ? Uint16Array
        : Uint8Array;

/**
 * Per-page columns: one row per audio page of the chosen stream(s), in file order. The columns
 * and what they mean are listed in `PAGE_ROW_COLUMNS`. `crc` and `sequence` are always filled by
 * `buildIndex` and the sidecar; an index read from an archive written before they existed lacks them.
 */
export type PageRows = { [C in PageColumn as C["since"] extends 1 ? C["name"] : never]: ColumnArray<C> } & {
  [C in PageColumn as C["since"] extends 1 ? never : C["name"]]?: ColumnArray<C>;
};

/** Rows with every column, `n` long, zero-filled. */
export function allocateRows(n: number): Required<PageRows> {
  const rows: Record<string, unknown> = {};
  for (const column of PAGE_ROW_COLUMNS) rows[column.name] = new column.type(n);
  return rows as Required<PageRows>;
}

type AnyColumn = {
  length: number;
  set(values: ArrayLike<never>, offset?: number): void;
  subarray(a: number, b?: number): ArrayLike<never>;
};

/** A copy of `rows` with room for `n` rows (the first min(n, length) kept); absent columns stay absent. */
export function resizeRows<R extends PageRows>(rows: R, n: number): R {
  const next: Record<string, unknown> = {};
  for (const column of PAGE_ROW_COLUMNS) {
    const from = (rows as Record<string, unknown>)[column.name] as AnyColumn | undefined;
    if (from === undefined) continue;
    const to = new column.type(n) as unknown as AnyColumn;
    to.set(from.subarray(0, Math.min(n, from.length)));
    next[column.name] = to;
  }
  return next as R;
}

/** `rows` cut to its first `n` rows as views of the same arrays (no copy); absent columns stay absent. */
export function viewRows<R extends PageRows>(rows: R, n: number): R {
  const next: Record<string, unknown> = {};
  for (const column of PAGE_ROW_COLUMNS) {
    const from = (rows as Record<string, unknown>)[column.name] as AnyColumn | undefined;
    if (from !== undefined) next[column.name] = from.subarray(0, n);
  }
  return next as R;
}
