/**
 * The names and numbers of the archive format (docs/format.md is the specification).
 */

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

/** The index arrays, in the order their bytes enter `indexSha256`, with their Zarr data types. */
export const INDEX_ARRAYS = [
  ["byteOffset", "uint64", "page"],
  ["byteLength", "uint32", "page"],
  ["granule", "int64", "page"],
  ["startSample", "int64", "page"],
  ["endSample", "int64", "page"],
  ["packetStart", "uint32", "page"],
  ["packetCount", "uint16", "page"],
  ["flags", "uint8", "page"],
  ["link", "uint16", "page"],
  ["packetSamples", "uint16", "packet"],
] as const;

export type IndexArrayName = (typeof INDEX_ARRAYS)[number][0];

/** Recording ids: 1-128 characters, a letter or digit first (names starting with `.` or `_` are the format's). */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Width of the numeric ids given to recordings imported without an id: `000001`. */
export const NUMERIC_ID_DIGITS = 6;
