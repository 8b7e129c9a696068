import type { ByteSource } from "@granule/opus-index";
import { crc32c } from "./crc32c.ts";
import { ArchiveError } from "./errors.ts";
import type { AbsolutePath, ReadableStore, StoreWriter, WritableStore } from "./store.ts";
import { type ArrayMetadata, asArrayMetadata, type CodecMetadata, chunkKey, isObject, readNode } from "./zarr-json.ts";

/**
 * A one-dimensional `uint8` Zarr array stored with the `sharding_indexed` codec: shards of
 * `shardBytes` (one object each, key `c/<k>`), split into inner chunks of `chunkBytes` that
 * are stored raw (codec `bytes`), in order, followed by the shard index: one little-endian
 * (offset, nbytes) uint64 pair per inner chunk, then its CRC-32C. So a shard's data region is
 * the source bytes themselves, and a reader fetches any byte range with one ranged read per
 * shard it touches, after reading that shard's index once.
 */
export interface ShardLayout {
  byteLength: number;
  chunkBytes: number;
  shardBytes: number;
}

const EMPTY = 0xffffffffffffffffn;
const INDEX_ENTRY_BYTES = 16;
const CRC_BYTES = 4;

/**
 * The layout for `byteLength` bytes. A file smaller than a chunk is one chunk of its own size,
 * and a file smaller than a shard gets a shard just big enough, so that small files carry no
 * padding and a tiny shard index.
 */
export function shardLayout(byteLength: number, chunkBytes: number, shardBytes: number): ShardLayout {
  for (const [name, value] of [
    ["chunkBytes", chunkBytes],
    ["shardBytes", shardBytes],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new ArchiveError("invalid-argument", `${name} must be a positive whole number, got ${value}`);
    }
  }
  if (shardBytes % chunkBytes !== 0) {
    throw new ArchiveError(
      "invalid-argument",
      `shardBytes (${shardBytes}) must be a multiple of chunkBytes (${chunkBytes})`,
    );
  }
  const chunk = Math.max(1, Math.min(chunkBytes, byteLength));
  const shard = Math.min(shardBytes, Math.max(1, Math.ceil(byteLength / chunk)) * chunk);
  return { byteLength, chunkBytes: chunk, shardBytes: shard };
}

/** The `zarr.json` document of the array. */
export function shardedArrayMetadata(layout: ShardLayout): ArrayMetadata {
  return {
    zarr_format: 3,
    node_type: "array",
    shape: [layout.byteLength],
    data_type: "uint8",
    chunk_grid: { name: "regular", configuration: { chunk_shape: [layout.shardBytes] } },
    chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
    fill_value: 0,
    codecs: [
      {
        name: "sharding_indexed",
        configuration: {
          chunk_shape: [layout.chunkBytes],
          codecs: [{ name: "bytes" }],
          index_codecs: [{ name: "bytes", configuration: { endian: "little" } }, { name: "crc32c" }],
          index_location: "end",
        },
      },
    ],
    attributes: {},
    dimension_names: ["byte"],
  };
}

/** Writes the array's shards from bytes given in order, holding none of them. */
export class ShardedBytesWriter {
  private written = 0;
  private writer: StoreWriter | undefined;
  private shard = -1;

  constructor(
    private readonly store: WritableStore,
    private readonly prefix: AbsolutePath,
    private readonly layout: ShardLayout,
  ) {}

  /** Appends the next bytes of the array. Awaiting it is the backpressure. */
  async write(bytes: Uint8Array): Promise<void> {
    const { byteLength, shardBytes } = this.layout;
    if (this.written + bytes.length > byteLength) {
      throw new ArchiveError("invalid-argument", `more than the ${byteLength} bytes announced were written`);
    }
    let at = 0;
    while (at < bytes.length) {
      const shard = Math.floor(this.written / shardBytes);
      if (shard !== this.shard) {
        this.shard = shard;
        this.writer = await this.store.createWriter(`${this.prefix}/c/${shard}`);
      }
      const shardEnd = Math.min(byteLength, (shard + 1) * shardBytes);
      const n = Math.min(bytes.length - at, shardEnd - this.written);
      await this.writer!.write(bytes.subarray(at, at + n));
      at += n;
      this.written += n;
      if (this.written === shardEnd) await this.endShard(shard);
    }
  }

  /**
   * Fails if fewer bytes came than announced. (`write` ends each shard, padding its last chunk
   * and writing its index, as soon as the shard's last byte arrives.)
   */
  async finish(): Promise<void> {
    if (this.written !== this.layout.byteLength) {
      throw new ArchiveError(
        "invalid-argument",
        `the array should hold ${this.layout.byteLength} bytes but ${this.written} were written`,
      );
    }
  }

  /** Closes the shard being written, after a failure (the caller removes what was written). */
  async abort(): Promise<void> {
    const writer = this.writer;
    this.writer = undefined;
    await writer?.abort().catch(() => undefined);
  }

  private async endShard(shard: number): Promise<void> {
    const { byteLength, chunkBytes, shardBytes } = this.layout;
    const dataBytes = Math.min(byteLength, (shard + 1) * shardBytes) - shard * shardBytes;
    const present = Math.ceil(dataBytes / chunkBytes);
    // Zarr chunks are always whole: the last one is padded with the fill value 0.
    const padding = present * chunkBytes - dataBytes;
    const tail = new Uint8Array(padding + encodedIndexBytes(this.layout));
    const view = new DataView(tail.buffer);
    const entries = shardBytes / chunkBytes;
    for (let i = 0; i < entries; i++) {
      const at = padding + i * INDEX_ENTRY_BYTES;
      if (i < present) {
        view.setBigUint64(at, BigInt(i * chunkBytes), true);
        view.setBigUint64(at + 8, BigInt(chunkBytes), true);
      } else {
        view.setBigUint64(at, EMPTY, true);
        view.setBigUint64(at + 8, EMPTY, true);
      }
    }
    const indexEnd = padding + entries * INDEX_ENTRY_BYTES;
    view.setUint32(indexEnd, crc32c(tail.subarray(padding, indexEnd)), true);
    await this.writer!.write(tail);
    await this.writer!.close();
    this.writer = undefined;
  }
}

function encodedIndexBytes(layout: ShardLayout): number {
  return (layout.shardBytes / layout.chunkBytes) * INDEX_ENTRY_BYTES + CRC_BYTES;
}

/** What a reader needs from the array's metadata. */
interface ReadLayout extends ShardLayout {
  indexAtEnd: boolean;
  indexCrc: boolean;
  metadata: ArrayMetadata;
}

/** Checks that `metadata` is an array this reader can serve: uint8, sharded, raw inner chunks. */
export function readLayout(metadata: ArrayMetadata, key: string): ReadLayout {
  const fail = (why: string) => new ArchiveError("bad-metadata", `the ogg array ${why}`, { key });
  if (metadata.data_type !== "uint8") throw fail(`has data type ${metadata.data_type}, not uint8`);
  const [sharding, ...rest] = metadata.codecs;
  if (sharding?.name !== "sharding_indexed" || rest.length > 0 || !isObject(sharding.configuration)) {
    throw fail("must have exactly one codec, sharding_indexed");
  }
  const config = sharding.configuration;
  const chunkShape = config.chunk_shape;
  if (!Array.isArray(chunkShape) || chunkShape.length !== 1 || !Number.isSafeInteger(chunkShape[0])) {
    throw fail("has no one-dimensional inner chunk_shape");
  }
  const chunkBytes = chunkShape[0] as number;
  const shardBytes = metadata.chunk_grid.configuration.chunk_shape[0]!;
  if (chunkBytes < 1 || shardBytes % chunkBytes !== 0)
    throw fail("has a shard shape that is not a multiple of its chunk shape");
  const inner = (config.codecs ?? [{ name: "bytes" }]) as CodecMetadata[];
  if (!Array.isArray(inner) || inner.length !== 1 || inner[0]?.name !== "bytes") {
    throw fail("must store inner chunks with the bytes codec alone (raw, uncompressed)");
  }
  const indexCodecs = (config.index_codecs ?? []) as CodecMetadata[];
  const names = Array.isArray(indexCodecs) ? indexCodecs.map((c) => c.name) : [];
  const littleEndian = indexCodecs[0]?.configuration?.endian !== "big";
  if (
    !(names[0] === "bytes" && littleEndian && (names.length === 1 || (names.length === 2 && names[1] === "crc32c")))
  ) {
    throw fail("must use index_codecs [bytes little-endian] or [bytes little-endian, crc32c]");
  }
  const location = config.index_location ?? "end";
  if (location !== "end" && location !== "start") throw fail(`has index_location ${String(location)}`);
  return {
    byteLength: metadata.shape[0]!,
    chunkBytes,
    shardBytes,
    indexAtEnd: location === "end",
    indexCrc: names.length === 2,
    metadata,
  };
}

interface ShardIndex {
  /** Byte offset in the shard object of each inner chunk, or -1 where the index marks it empty. */
  offsets: Float64Array;
  /** Resolves once the recording is confirmed to be the one opened, after the index was read. */
  confirmed: Promise<void>;
  /** The shard object as the store saw it when the index was read (see `RangeRead`). */
  objectBytes: number | undefined;
  version: string | undefined;
}

/** A `ByteSource` with the source file's bytes, read from the array's shards. */
export interface ShardedByteSource extends ByteSource {
  /** The array's layout as its metadata gives it. */
  readonly layout: ShardLayout;
  /** Every read returns a new buffer (the indexer may hand it to a worker). */
  readonly readsAreFresh: true;
  /** Loads every shard's index; returns what is wrong with each (empty when all are sound). */
  checkShards(signal?: AbortSignal): Promise<ArchiveError[]>;
}

export interface OpenShardedBytesOptions {
  signal?: AbortSignal;
  /**
   * Called after each shard's index is read (once per shard): rejects if the recording is no
   * longer the one opened. Together with the shard versions checked on every later read, this
   * keeps a reader that is held open across a deletion and a new import under the same id from
   * returning the new file's bytes.
   */
  checkRecording?: (signal?: AbortSignal) => Promise<void>;
}

/**
 * Opens the sharded array under `prefix` as a `ByteSource`. A read fetches each shard's index
 * once (then cached), then the inner chunks it needs, adjacent ones in one ranged request.
 * A missing shard, a chunk the index marks empty, a short read or an index failing its
 * CRC-32C throws an `ArchiveError` naming the shard key: it never returns other bytes. So does
 * a shard that the store reports replaced (another size or version) since its index was read:
 * `changed`.
 */
export async function openShardedBytes(
  store: ReadableStore,
  prefix: AbsolutePath,
  options: OpenShardedBytesOptions = {},
): Promise<ShardedByteSource> {
  const node = await readNode(store, prefix, options.signal);
  const metadataKey = `${prefix}/zarr.json`;
  if (node === undefined) throw new ArchiveError("not-found", "the recording has no ogg array", { key: metadataKey });
  const layout = readLayout(asArrayMetadata(node, metadataKey), metadataKey);
  return shardedByteSource(store, prefix, layout, options.checkRecording);
}

function shardedByteSource(
  store: ReadableStore,
  prefix: AbsolutePath,
  layout: ReadLayout,
  checkRecording: OpenShardedBytesOptions["checkRecording"],
): ShardedByteSource {
  const { byteLength: arrayBytes, chunkBytes, shardBytes } = layout;
  const entries = shardBytes / chunkBytes;
  const indexBytes = entries * INDEX_ENTRY_BYTES + (layout.indexCrc ? CRC_BYTES : 0);
  const indexes = new Map<number, Promise<ShardIndex>>();

  const loadIndex = async (shard: number, signal?: AbortSignal): Promise<ShardIndex> => {
    const key = chunkKey(prefix, layout.metadata, shard);
    const range = layout.indexAtEnd ? { suffixLength: indexBytes } : { offset: 0, length: indexBytes };
    const read = await store.getRange(key, range, signal ? { signal } : undefined);
    if (read === undefined) {
      throw new ArchiveError("missing-chunk", `shard ${shard} of the ogg array is missing`, {
        key,
        byteOffset: shard * shardBytes,
      });
    }
    const { bytes, size: total, version } = read;
    if (bytes.length !== indexBytes) {
      throw new ArchiveError(
        "truncated-chunk",
        `shard ${shard} holds ${bytes.length} bytes, less than its ${indexBytes}-byte index`,
        { key, byteOffset: shard * shardBytes },
      );
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (
      layout.indexCrc &&
      crc32c(bytes.subarray(0, indexBytes - CRC_BYTES)) !== view.getUint32(indexBytes - CRC_BYTES, true)
    ) {
      throw new ArchiveError(
        "bad-shard-index",
        `the index of shard ${shard} fails its CRC-32C: the shard is damaged or truncated`,
        { key, byteOffset: shard * shardBytes },
      );
    }
    // Where the chunks may lie: the shard's bytes minus its index (when the store knows the size).
    const dataStart = layout.indexAtEnd ? 0 : indexBytes;
    const dataEnd = total === undefined ? Number.POSITIVE_INFINITY : layout.indexAtEnd ? total - indexBytes : total;
    const offsets = new Float64Array(entries);
    for (let i = 0; i < entries; i++) {
      const offset = view.getBigUint64(i * INDEX_ENTRY_BYTES, true);
      const length = view.getBigUint64(i * INDEX_ENTRY_BYTES + 8, true);
      if (offset === EMPTY && length === EMPTY) {
        offsets[i] = -1;
      } else if (length !== BigInt(chunkBytes) || offset > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new ArchiveError(
          "bad-shard-index",
          `the index of shard ${shard} gives chunk ${i} ${length} bytes at ${offset}; raw chunks have ${chunkBytes}`,
          { key, byteOffset: shard * shardBytes + i * chunkBytes },
        );
      } else if (Number(offset) < dataStart || Number(offset) + chunkBytes > dataEnd) {
        throw new ArchiveError(
          "truncated-chunk",
          `shard ${shard} has ${total} bytes, too few for chunk ${i} at ${offset} and its ${indexBytes}-byte index: bytes are missing`,
          { key, byteOffset: shard * shardBytes + i * chunkBytes },
        );
      } else {
        offsets[i] = Number(offset);
      }
    }
    // Started after the index is read: if the recording is still the one opened now, the
    // index was its own. Data reads wait for it alongside their own request (one round trip).
    const confirmed = checkRecording?.(signal) ?? Promise.resolve();
    confirmed.catch(() => undefined);
    return { offsets, objectBytes: total, version, confirmed };
  };

  const indexOf = (shard: number, signal?: AbortSignal): Promise<ShardIndex> => {
    let pending = indexes.get(shard);
    if (pending === undefined) {
      pending = loadIndex(shard, signal);
      indexes.set(shard, pending);
      // A failed read (a network error, an abort) may succeed later: do not keep the failure.
      pending.catch(() => indexes.delete(shard));
    }
    return pending;
  };

  /** Reads [start, end) of one shard's data into `out` at `outAt`. */
  const readShardPart = async (
    shard: number,
    start: number,
    end: number,
    out: Uint8Array,
    outAt: number,
    signal?: AbortSignal,
  ) => {
    const key = chunkKey(prefix, layout.metadata, shard);
    const index = await indexOf(shard, signal);
    const shardStart = shard * shardBytes;
    const first = Math.floor((start - shardStart) / chunkBytes);
    const last = Math.floor((end - 1 - shardStart) / chunkBytes);
    // Runs of chunks stored one after the other become one ranged read.
    const runs: { first: number; last: number }[] = [];
    for (let i = first; i <= last; i++) {
      const offset = index.offsets[i]!;
      if (offset < 0) {
        throw new ArchiveError("missing-chunk", `chunk ${i} of shard ${shard} of the ogg array is marked empty`, {
          key,
          byteOffset: shardStart + i * chunkBytes,
        });
      }
      const run = runs[runs.length - 1];
      if (run !== undefined && index.offsets[run.last]! + chunkBytes === offset) run.last = i;
      else runs.push({ first: i, last: i });
    }
    await Promise.all(
      runs.map(async (run) => {
        const runStart = Math.max(start, shardStart + run.first * chunkBytes);
        const runEnd = Math.min(end, shardStart + (run.last + 1) * chunkBytes);
        // Within a run, byte b of the array sits at the first chunk's offset + (b - chunk start).
        const fileOffset = index.offsets[run.first]! + (runStart - (shardStart + run.first * chunkBytes));
        const length = runEnd - runStart;
        const read = await store.getRange(key, { offset: fileOffset, length }, signal ? { signal } : undefined);
        if (read === undefined) {
          throw new ArchiveError("missing-chunk", `shard ${shard} of the ogg array is missing`, {
            key,
            byteOffset: runStart,
          });
        }
        const { bytes } = read;
        if (
          (read.version !== undefined && index.version !== undefined && read.version !== index.version) ||
          (read.size !== undefined && index.objectBytes !== undefined && read.size !== index.objectBytes)
        ) {
          throw new ArchiveError(
            "changed",
            `shard ${shard} of the ogg array was replaced since its index was read: the recording was deleted (and another imported under its id); open it again`,
            { key, byteOffset: runStart },
          );
        }
        if (bytes.length !== length) {
          throw new ArchiveError(
            "truncated-chunk",
            `shard ${shard} of the ogg array ends inside chunk ${run.first + Math.floor(bytes.length / chunkBytes)}: ${bytes.length} of ${length} bytes read`,
            { key, byteOffset: runStart + bytes.length },
          );
        }
        out.set(bytes, outAt + (runStart - start));
      }),
    );
    await confirmedOf(shard, index);
  };

  /** The shard's confirmation; a failure other than `changed` (a network error) may pass later. */
  const confirmedOf = (shard: number, index: ShardIndex): Promise<void> =>
    index.confirmed.catch((error: unknown) => {
      if (!(error instanceof ArchiveError && error.code === "changed")) indexes.delete(shard);
      throw error;
    });

  return {
    size: arrayBytes,
    layout: { byteLength: arrayBytes, chunkBytes, shardBytes },
    readsAreFresh: true,
    async checkShards(signal) {
      const problems: ArchiveError[] = [];
      const count = Math.ceil(arrayBytes / shardBytes);
      for (let shard = 0; shard < count; shard++) {
        try {
          const index = await indexOf(shard, signal);
          await confirmedOf(shard, index);
          const present = Math.ceil((Math.min(arrayBytes, (shard + 1) * shardBytes) - shard * shardBytes) / chunkBytes);
          const empty = index.offsets.subarray(0, present).findIndex((offset) => offset < 0);
          if (empty >= 0) {
            problems.push(
              new ArchiveError("missing-chunk", `chunk ${empty} of shard ${shard} of the ogg array is marked empty`, {
                key: chunkKey(prefix, layout.metadata, shard),
                byteOffset: shard * shardBytes + empty * chunkBytes,
              }),
            );
          }
        } catch (error) {
          if (!(error instanceof ArchiveError)) throw error;
          problems.push(error);
        }
      }
      return problems;
    },
    async read(byteOffset, byteLength, signal) {
      if (!Number.isSafeInteger(byteOffset) || byteOffset < 0 || !Number.isSafeInteger(byteLength) || byteLength < 0) {
        throw new ArchiveError("invalid-argument", `cannot read ${byteLength} bytes at ${byteOffset}`);
      }
      signal?.throwIfAborted();
      const end = Math.min(arrayBytes, byteOffset + byteLength);
      if (end <= byteOffset) return new Uint8Array(0);
      const out = new Uint8Array(end - byteOffset);
      const parts: Promise<void>[] = [];
      for (let shard = Math.floor(byteOffset / shardBytes); shard * shardBytes < end; shard++) {
        const from = Math.max(byteOffset, shard * shardBytes);
        const to = Math.min(end, (shard + 1) * shardBytes);
        parts.push(readShardPart(shard, from, to, out, from - byteOffset, signal));
      }
      await Promise.all(parts);
      return out;
    },
  };
}
