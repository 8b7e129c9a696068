/**
 * The names and numbers of the archive format (docs/format.md is the specification).
 */
import { PAGE_ROW_COLUMNS, type PageColumn, type PageColumnName } from "@granule/opus-index";

/** Version of the layout this library writes; it reads this version and older ones. */
export const FORMAT_VERSION = 2;

/** The attribute that marks collections, recordings and the manifest: `{"zarrOpus": {...}}`. */
export const MARKER_ATTRIBUTE = "zarrOpus";

/** Name of the recording's array holding the source file's bytes. */
export const OGG_ARRAY = "ogg";
/** Name of the recording's group holding the index arrays. */
export const INDEX_GROUP = "index";
/** Name of the collection's group whose attributes list the recordings (for HTTP readers). */
export const MANIFEST_GROUP = "manifest";

/**
 * Inner chunk of the `ogg` array: the unit a reader fetches. 64 KiB keeps a cold 2 s read of
 * 160 kbit/s audio (about 60 kB of pages) to two or three chunks, and the shard index small.
 */
export const DEFAULT_CHUNK_BYTES = 64 * 1024;
/**
 * Shard of the `ogg` array: one file. 32 MiB puts a 24-hour, 160 kbit/s recording (about
 * 1.73 GB) in 52 files; its index is 512 entries (8 KiB + 4 bytes of CRC-32C).
 */
export const DEFAULT_SHARD_BYTES = 32 * 1024 * 1024;

/** Elements per chunk of an index array: an hour of 20 ms packets (180,000) fits in one. */
export const INDEX_CHUNK_ELEMENTS = 1 << 20;

type IndexDataType = "uint64" | "int64" | "uint32" | "uint16" | "uint8";

/** The Zarr data type of a page column: sample positions and offsets as 64-bit integers. */
function dataTypeOf(column: PageColumn): IndexDataType {
  if (column.type === Float64Array) return column.signed ? "int64" : "uint64";
  if (column.type === BigInt64Array) return "int64";
  if (column.type === Uint32Array) return "uint32";
  if (column.type === Uint16Array) return "uint16";
  return "uint8";
}

/**
 * The index arrays, in the order their bytes enter `indexSha256`, with their Zarr data types:
 * one per column of `PAGE_ROW_COLUMNS` (opus-index's one list), then the packet durations.
 * `since`: the first opus-index sidecar version with the column; arrays added after 1 (`crc`,
 * `sequence`) are absent from archives written before, and the hash covers the arrays present.
 */
export const INDEX_ARRAYS: readonly (readonly [IndexArrayName, IndexDataType, "page" | "packet", number])[] = [
  ...PAGE_ROW_COLUMNS.map((column) => [column.name, dataTypeOf(column), "page", column.since] as const),
  ["packetSamples", "uint16", "packet", 1],
];

export type IndexArrayName = PageColumnName | "packetSamples";

/** Recording ids: 1-128 characters, a letter or digit first (names starting with `.` or `_` are the format's). */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Width of the numeric ids given to recordings imported without an id: `000001`. */
export const NUMERIC_ID_DIGITS = 6;
