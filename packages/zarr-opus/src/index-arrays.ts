import { ByteSourceError } from "@granule/byte-source";
import type { OpusIndex, OpusIndexData, PageRows } from "@granule/opus-index";
import { linksFromJson, OpusIndex as OpusIndexClass, PAGE_ROW_COLUMNS } from "@granule/opus-index";
import type * as Zarr from "zarrita";
import { ArchiveError } from "./errors.ts";
import { INDEX_ARRAYS, INDEX_CHUNK_ELEMENTS, type IndexArrayName } from "./format.ts";
import { encodeIndexChunk, indexCodecPlan } from "./index-codecs.ts";
import { indexFactsJson, type RecordingAttributes } from "./recording-attributes.ts";
import type { Sha256Factory } from "./sha256.ts";
import { type AbsolutePath, lastSegment, type ReadableStore, type WritableStore } from "./store.ts";
import { asArrayMetadata, chunkKey, encodeJson, groupMetadata, type NodeMetadata, parseNode } from "./zarr-json.ts";

type Column = BigUint64Array | BigInt64Array | Uint32Array | Uint16Array | Uint8Array;

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The index's columns in the stored data types (sample positions and offsets as 64-bit integers); absent ones left out. */
function columnsOf(index: OpusIndex): Partial<Record<IndexArrayName, Column>> {
  const columns: Partial<Record<IndexArrayName, Column>> = { packetSamples: index.packetSamples };
  for (const column of PAGE_ROW_COLUMNS) {
    const values = index.rows[column.name];
    if (values === undefined) continue;
    columns[column.name] =
      values instanceof Float64Array
        ? column.signed
          ? BigInt64Array.from(values, (v) => BigInt(v))
          : BigUint64Array.from(values, (v) => BigInt(v))
        : values;
  }
  return columns;
}

const bytesOf = (column: Column) => new Uint8Array(column.buffer, column.byteOffset, column.byteLength);

/**
 * `indexSha256`: SHA-256 over the index arrays' elements as little-endian bytes, in the order
 * of INDEX_ARRAYS, followed by the UTF-8 of the canonical JSON of the index facts in the
 * attributes (byte length, total samples, links, problems). It ties the arrays and those
 * attributes together, so an edit to either is found when the recording is opened.
 */
export function indexChecksum(
  columns: Partial<Record<IndexArrayName, Column>>,
  attributes: Parameters<typeof indexFactsJson>[0],
  sha256: Sha256Factory,
): string {
  if (!littleEndian) throw new ArchiveError("invalid-argument", "archives are handled on little-endian machines only");
  const hash = sha256();
  for (const [name] of INDEX_ARRAYS) {
    const column = columns[name];
    if (column !== undefined) hash.update(bytesOf(column));
  }
  hash.update(new TextEncoder().encode(indexFactsJson(attributes)));
  return hash.digestHex();
}

/**
 * Writes the `index` group and its arrays under `prefix`; returns the columns for the checksum
 * and the metadata documents written, by their path below `prefix`'s parent (`index`,
 * `index/byteOffset`, ...), for the recording's consolidated metadata.
 */
export async function writeIndexArrays(
  store: WritableStore,
  prefix: AbsolutePath,
  index: OpusIndex,
  gzip: (bytes: Uint8Array) => Promise<Uint8Array>,
): Promise<{ columns: Partial<Record<IndexArrayName, Column>>; metadata: Record<string, NodeMetadata> }> {
  if (!littleEndian) throw new ArchiveError("invalid-argument", "archives are written on little-endian machines only");
  const columns = columnsOf(index);
  const group = lastSegment(prefix);
  const documents: Record<string, NodeMetadata> = { [group]: { zarr_format: 3, node_type: "group", attributes: {} } };
  await store.set(`${prefix}/zarr.json`, groupMetadata({}));
  // The arrays are independent: write them at once, so compression and file I/O overlap.
  await Promise.all(
    INDEX_ARRAYS.map(async ([name, dataType, dimension]) => {
      const column = columns[name];
      if (column === undefined) return;
      const length = column.length;
      const chunkLength = Math.max(1, Math.min(INDEX_CHUNK_ELEMENTS, length));
      const plan = indexCodecPlan(name, dataType, column.BYTES_PER_ELEMENT);
      const metadata = {
        zarr_format: 3,
        node_type: "array",
        shape: [length],
        data_type: dataType,
        chunk_grid: { name: "regular", configuration: { chunk_shape: [chunkLength] } },
        chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
        fill_value: 0,
        codecs: plan.codecs,
        attributes: {},
        dimension_names: [dimension],
      } satisfies NodeMetadata;
      documents[`${group}/${name}`] = metadata;
      const arrayPrefix = `${prefix}/${name}` as AbsolutePath;
      await store.set(`${arrayPrefix}/zarr.json`, encodeJson(metadata));
      for (let chunk = 0; chunk * chunkLength < length; chunk++) {
        // Chunks are always whole; the part past the end holds the fill value 0.
        const whole = new (column.constructor as new (n: number) => Column)(chunkLength);
        const from = chunk * chunkLength;
        (whole as Uint8Array).set(column.subarray(from, Math.min(length, from + chunkLength)) as Uint8Array);
        await store.set(`${arrayPrefix}/c/${chunk}`, await gzip(encodeIndexChunk(whole, plan)));
      }
    }),
  );
  return { columns, metadata: documents };
}

/**
 * A view of a store for zarrita that fails on a missing chunk instead of letting zarrita fill
 * it with zeros: a missing piece of the index is damage, not data. Every read carries `signal`.
 * A read `fetched` holds (started earlier, see `fetchIndexObjects`) is taken from it, once.
 */
function strict(
  store: ReadableStore,
  signal: AbortSignal | undefined,
  fetched: Map<string, Promise<Uint8Array | undefined>>,
): Zarr.AsyncReadable {
  const withSignal = (options: { signal?: AbortSignal } | undefined) =>
    signal === undefined ? options : { ...options, signal };
  return {
    async get(key, options) {
      const early = fetched.get(key);
      fetched.delete(key);
      const bytes = await (early ?? store.get(key, withSignal(options)));
      if (bytes === undefined && !key.endsWith("/zarr.json")) {
        throw new ArchiveError("missing-chunk", "a chunk of an index array is missing", { key });
      }
      return bytes;
    },
    async getRange(key, range, options) {
      const read = await store.getRange(key, range, withSignal(options));
      if (read === undefined) throw new ArchiveError("missing-chunk", "a chunk of an index array is missing", { key });
      return read.bytes;
    },
  };
}

/**
 * Starts reading every index array's metadata and every chunk it names, all at once, by key.
 * zarrita opens and reads the arrays one promise after another, and the first one's codecs
 * load in between: over HTTP its requests went out spread over tens of milliseconds, so a
 * fast server's first answer could end before the last request left (one more round trip
 * waited for). With the metadata inline in the recording's document, no request is needed to
 * know the chunks; without (format 1), the metadata reads go first, together.
 */
function fetchIndexObjects(
  store: ReadableStore,
  prefix: AbsolutePath,
  signal: AbortSignal | undefined,
): Map<string, Promise<Uint8Array | undefined>> {
  const fetched = new Map<string, Promise<Uint8Array | undefined>>();
  const options = signal === undefined ? undefined : { signal };
  const keep = (key: string, read: Promise<Uint8Array | undefined>) => {
    // A read nobody takes (a damaged document, an abort) must not be an unhandled rejection.
    read.catch(() => undefined);
    fetched.set(key, read);
  };
  for (const [name] of INDEX_ARRAYS) {
    const metadataKey = `${prefix}/${name}/zarr.json` as AbsolutePath;
    const metadata = store.get(metadataKey, options);
    keep(metadataKey, metadata);
    void metadata.then(
      (bytes) => {
        const chunks = bytes === undefined ? [] : chunkKeysOf(bytes, `${prefix}/${name}` as AbsolutePath);
        for (const key of chunks) if (!fetched.has(key)) keep(key, store.get(key as AbsolutePath, options));
      },
      () => undefined,
    );
  }
  return fetched;
}

/** The keys of an index array's chunks, from its metadata; none when it is not what this package writes (zarrita then reads it its own way). */
function chunkKeysOf(bytes: Uint8Array, arrayPrefix: AbsolutePath): string[] {
  try {
    const metadata = asArrayMetadata(parseNode(bytes, `${arrayPrefix}/zarr.json`), `${arrayPrefix}/zarr.json`);
    const length = metadata.shape[0]!;
    const chunkLength = metadata.chunk_grid.configuration.chunk_shape[0]!;
    const count = Math.ceil(length / chunkLength);
    return Array.from({ length: count }, (_, k) => chunkKey(arrayPrefix, metadata, k));
  } catch {
    return [];
  }
}

const EMPTY_COLUMNS: Record<string, () => Column> = {
  uint64: () => new BigUint64Array(0),
  int64: () => new BigInt64Array(0),
  uint32: () => new Uint32Array(0),
  uint16: () => new Uint16Array(0),
  uint8: () => new Uint8Array(0),
};

function emptyColumn(dataType: string): Column {
  const make = EMPTY_COLUMNS[dataType];
  if (make === undefined) throw new ArchiveError("bad-metadata", `no index array has the data type ${dataType}`);
  return make();
}

/**
 * Reads the index arrays under `prefix` (any codecs zarrita reads), checks them against
 * `indexSha256` and the attributes, and rebuilds the `OpusIndex`.
 */
export async function readIndexArrays(
  store: ReadableStore,
  prefix: AbsolutePath,
  attributes: RecordingAttributes,
  sha256: Sha256Factory,
  signal?: AbortSignal,
): Promise<OpusIndex> {
  // The reads go out first: loading zarrita then overlaps their round trip.
  const fetched = fetchIndexObjects(store, prefix, signal);
  // Loaded on first use: importing zarrita costs tens of milliseconds that imports do not need.
  const zarr = await import("zarrita");
  signal?.throwIfAborted();
  const root = zarr.root(strict(store, signal, fetched));
  const entries = await Promise.all(
    INDEX_ARRAYS.map(async ([name, dataType, , since]) => {
      const key = `${prefix}/${name}`;
      let array: Zarr.Array<Zarr.DataType, Zarr.AsyncReadable>;
      try {
        array = await zarr.open.v3(root.resolve(key), { kind: "array" });
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        // Arrays added after the first version are absent from older archives.
        const metadataKey = `${key}/zarr.json` as AbsolutePath;
        if (since > 1 && (await store.get(metadataKey, signal === undefined ? undefined : { signal })) === undefined) {
          return [name, undefined] as const;
        }
        // A server's fault is no damage in the index: it goes up as it is.
        if (error instanceof ArchiveError || error instanceof ByteSourceError) throw error;
        throw new ArchiveError("bad-metadata", `index array ${name} cannot be opened: ${(error as Error).message}`, {
          key: `${key}/zarr.json`,
          cause: error,
        });
      }
      if (array.dtype !== dataType || array.shape.length !== 1) {
        throw new ArchiveError(
          "bad-metadata",
          `index array ${name} must be one-dimensional ${dataType}, not ${array.dtype}`,
          {
            key: `${key}/zarr.json`,
          },
        );
      }
      // A recording with no audio pages has empty arrays, which zarrita cannot read (its
      // indexer has no chunk to iterate: "Input contains an empty iterator").
      if (array.shape[0] === 0) return [name, emptyColumn(dataType)] as const;
      let chunk: { data: unknown };
      try {
        chunk = await zarr.get(array);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        // A server's fault is no damage in the index: it goes up as it is.
        if (error instanceof ArchiveError || error instanceof ByteSourceError) throw error;
        throw new ArchiveError("index-mismatch", `index array ${name} cannot be decoded: ${(error as Error).message}`, {
          key,
          cause: error,
        });
      }
      return [name, chunk.data as Column] as const;
    }),
  );
  const columns = Object.fromEntries(entries.filter(([, c]) => c !== undefined)) as Partial<
    Record<IndexArrayName, Column>
  > &
    Record<"byteOffset" | "packetSamples", Column>;
  const pages = columns.byteOffset.length;
  for (const [name, , dimension] of INDEX_ARRAYS) {
    const column = columns[name];
    if (dimension === "page" && column !== undefined && column.length !== pages) {
      throw new ArchiveError(
        "index-mismatch",
        `index array ${name} has ${column.length} rows, byteOffset has ${pages}`,
        { key: prefix },
      );
    }
  }
  if (indexChecksum(columns, attributes, sha256) !== attributes.indexSha256) {
    throw new ArchiveError(
      "index-mismatch",
      "the index arrays or the index attributes do not match indexSha256: the index was damaged or edited",
      { key: prefix },
    );
  }
  const rows: Record<string, unknown> = {};
  for (const column of PAGE_ROW_COLUMNS) {
    const values = columns[column.name];
    if (values === undefined) continue;
    rows[column.name] = column.type === Float64Array ? Float64Array.from(values as BigInt64Array, Number) : values;
  }
  const data: OpusIndexData = {
    byteLength: attributes.source.byteLength,
    totalSamples: attributes.totalSamples,
    links: linksFromJson(attributes.links),
    problems: attributes.problems,
    rows: rows as PageRows,
    packetSamples: columns.packetSamples as Uint16Array,
  };
  return new OpusIndexClass(data);
}
