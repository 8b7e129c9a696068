import type { IndexArrayName } from "./format.ts";
import type { CodecMetadata } from "./zarr-json.ts";

type Column = BigUint64Array | BigInt64Array | Uint32Array | Uint16Array | Uint8Array;

/**
 * How each index array's chunks are encoded, by what its values look like. Columns that rise
 * along the file (offsets, sample positions, packet numbers, page sequence numbers) are stored
 * as differences (`numcodecs.delta`): an hour of one-second pages has the same 48,000 between
 * every two `startSample`s, which gzip then shrinks to almost nothing, where the plain 64-bit
 * values defeat it. Multi-byte columns are byte-shuffled (`numcodecs.shuffle`) before gzip, so
 * that the high bytes (mostly zero) sit together. The CRCs and the small columns stay plain.
 * Measured on the one-hour, one-second-page benchmark file (3,601 pages, 180,001 packets):
 * 80.2 kB with gzip alone, 24.9 kB so, and every cold remote read fetches them.
 *
 * Both codecs are numcodecs' own (zarr-python 3 reads them with numcodecs >= 0.14), and
 * zarrita decodes them in plain JavaScript: no WebAssembly (Blosc's build needs
 * `'unsafe-eval'`, which the viewer's Content-Security-Policy refuses).
 */
const RISING: ReadonlySet<IndexArrayName> = new Set([
  "byteOffset",
  "granule",
  "startSample",
  "endSample",
  "packetStart",
  "sequence",
]);
const SHUFFLED: ReadonlySet<IndexArrayName> = new Set([...RISING, "byteLength"]);

/** numpy's name of a data type, as numcodecs' Delta configuration gives it. */
const NUMPY_TYPES: Record<string, string> = { uint64: "<u8", int64: "<i8", uint32: "<u4", uint16: "<u2", uint8: "|u1" };

export interface IndexCodecPlan {
  delta: boolean;
  /** Bytes per element to shuffle by, or 0 for no shuffle. */
  shuffle: number;
  /** The `codecs` of the array's metadata, in Zarr's order (array to array, to bytes, bytes to bytes). */
  codecs: CodecMetadata[];
}

/** How the array `name`, of `dataType` with elements of `bytesPerElement` bytes, is encoded. */
export function indexCodecPlan(name: IndexArrayName, dataType: string, bytesPerElement: number): IndexCodecPlan {
  const delta = RISING.has(name);
  const shuffle = SHUFFLED.has(name) && bytesPerElement > 1 ? bytesPerElement : 0;
  const codecs: CodecMetadata[] = [
    ...(delta ? [{ name: "numcodecs.delta", configuration: { dtype: NUMPY_TYPES[dataType]! } }] : []),
    bytesPerElement === 1 ? { name: "bytes" } : { name: "bytes", configuration: { endian: "little" } },
    ...(shuffle > 0 ? [{ name: "numcodecs.shuffle", configuration: { elementsize: shuffle } }] : []),
    { name: "gzip", configuration: { level: 6 } },
  ];
  return { delta, shuffle, codecs };
}

/**
 * One whole chunk (padding included) as the plan stores it, before gzip: differences from the
 * previous element (the first kept; wrapping as the integer type does, which decoding undoes),
 * as little-endian bytes, shuffled.
 */
export function encodeIndexChunk(chunk: Column, plan: IndexCodecPlan): Uint8Array {
  let values = chunk;
  if (plan.delta) {
    values = chunk.slice();
    for (let i = values.length - 1; i > 0; i--) {
      // Typed arrays store the difference modulo 2^bits: a fall (the padding's zeros) wraps.
      (values as Uint32Array)[i] = ((chunk as Uint32Array)[i]! - (chunk as Uint32Array)[i - 1]!) as number;
    }
  }
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const size = plan.shuffle;
  if (size === 0) return bytes;
  const count = bytes.length / size;
  const out = new Uint8Array(bytes.length);
  for (let b = 0; b < size; b++) {
    for (let i = 0; i < count; i++) out[b * count + i] = bytes[i * size + b]!;
  }
  return out;
}
