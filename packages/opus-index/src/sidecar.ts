import { crc32 } from "@granule/ogg-pages";
import { allocateRows } from "./accumulate.ts";
import { OpusError } from "./errors.ts";
import type { IndexProblem, OpusIndexData } from "./index-data.ts";
import { type LinkJson, linksFromJson, linksToJson } from "./link-json.ts";
import { OpusIndex } from "./opus-index.ts";

/**
 * The sidecar: an index saved next to its `.opus` file, to reopen it without a scan.
 *
 * Layout, little-endian: "GRNLIDX\0" | u32 format version | u32 JSON length | JSON (links,
 * problems, counts) | zero padding to 8 | the row columns, each padded to 8 (f64 byteOffset,
 * startSample, endSample; i64 granule; u32 byteLength, packetStart; u16 packetCount, link;
 * u8 flags) | u16 packet durations | padding to 8 | u32 Ogg CRC of everything before it.
 */
export const SIDECAR_VERSION = 1;
const MAGIC = new TextEncoder().encode("GRNLIDX\0");

const COLUMNS = [
  ["byteOffset", Float64Array],
  ["startSample", Float64Array],
  ["endSample", Float64Array],
  ["granule", BigInt64Array],
  ["byteLength", Uint32Array],
  ["packetStart", Uint32Array],
  ["packetCount", Uint16Array],
  ["link", Uint16Array],
  ["flags", Uint8Array],
] as const;

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface SidecarHeader {
  byteLength: number;
  totalSamples: number;
  rowCount: number;
  packetCount: number;
  links: LinkJson[];
  problems: IndexProblem[];
}

const pad8 = (n: number) => (n + 7) & ~7;

/** Serialises an index to sidecar bytes. */
export function writeSidecar(index: OpusIndex): Uint8Array {
  if (!littleEndian) throw new OpusError("invalid-argument", "sidecars are written on little-endian machines only");
  const rowCount = index.rows.byteOffset.length;
  const header: SidecarHeader = {
    byteLength: index.byteLength,
    totalSamples: index.totalSamples,
    rowCount,
    packetCount: index.packetSamples.length,
    links: linksToJson(index.links),
    problems: [...index.problems],
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  let size = pad8(16 + json.length);
  for (const [, type] of COLUMNS) size += pad8(rowCount * type.BYTES_PER_ELEMENT);
  size += pad8(index.packetSamples.byteLength) + 4;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(8, SIDECAR_VERSION, true);
  view.setUint32(12, json.length, true);
  out.set(json, 16);
  let at = pad8(16 + json.length);
  for (const [name] of COLUMNS) {
    const column = index.rows[name];
    out.set(new Uint8Array(column.buffer, column.byteOffset, column.byteLength), at);
    at += pad8(column.byteLength);
  }
  const packets = index.packetSamples;
  out.set(new Uint8Array(packets.buffer, packets.byteOffset, packets.byteLength), at);
  at += pad8(packets.byteLength);
  view.setUint32(at, crc32(out.subarray(0, at)), true);
  return out;
}

/**
 * Reopens a sidecar. Pass `expectedByteLength` (the size of the `.opus` file) to refuse a
 * sidecar written for another file.
 */
export function readSidecar(bytes: Uint8Array, expectedByteLength?: number): OpusIndex {
  const fail = (message: string) => new OpusError("bad-sidecar", message);
  if (bytes.length < 20 || MAGIC.some((b, i) => bytes[i] !== b)) throw fail("not a granule index sidecar (bad magic)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== SIDECAR_VERSION)
    throw fail(`sidecar format version ${version}; this library reads ${SIDECAR_VERSION}`);
  const stored = view.getUint32(bytes.length - 4, true);
  if (crc32(bytes.subarray(0, bytes.length - 4)) !== stored)
    throw fail("sidecar checksum mismatch: the file is damaged");
  const jsonLength = view.getUint32(12, true);
  if (16 + jsonLength > bytes.length) throw fail("sidecar header runs past its end");
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + jsonLength))) as SidecarHeader;
  if (expectedByteLength !== undefined && header.byteLength !== expectedByteLength) {
    throw fail(`sidecar indexes a ${header.byteLength}-byte file, but this file has ${expectedByteLength} bytes`);
  }
  const rows = allocateRows(header.rowCount);
  let at = pad8(16 + jsonLength);
  for (const [name, type] of COLUMNS) {
    const length = header.rowCount * type.BYTES_PER_ELEMENT;
    if (at + length > bytes.length - 4) throw fail(`sidecar column ${name} runs past its end`);
    new Uint8Array(rows[name].buffer).set(bytes.subarray(at, at + length));
    at += pad8(length);
  }
  const packetSamples = new Uint16Array(header.packetCount);
  if (at + packetSamples.byteLength > bytes.length - 4) throw fail("sidecar packet list runs past its end");
  new Uint8Array(packetSamples.buffer).set(bytes.subarray(at, at + packetSamples.byteLength));
  const data: OpusIndexData = {
    byteLength: header.byteLength,
    totalSamples: header.totalSamples,
    links: linksFromJson(header.links),
    problems: header.problems,
    rows,
    packetSamples,
  };
  return new OpusIndex(data);
}
