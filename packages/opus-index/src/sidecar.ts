import { crc32 } from "@granule/ogg-pages";
import { OpusError } from "./errors.ts";
import type { OpusIndexData } from "./index-data.ts";
import { checkIndexJson, checkIndexRows, type IndexJson, InvalidIndexData } from "./index-validation.ts";
import { linksFromJson, linksToJson } from "./link-json.ts";
import { OpusIndex } from "./opus-index.ts";
import { allocateRows, PAGE_ROW_COLUMNS } from "./page-columns.ts";

/**
 * The sidecar: an index saved next to its `.opus` file, to reopen it without a scan.
 *
 * Layout, little-endian: "GRNLIDX\0" | u32 format version | u32 JSON length | JSON (counts,
 * links with their header pages, problems) | zero padding to 8 | the row columns in the order
 * of `PAGE_ROW_COLUMNS`, each padded to 8 | u16 packet durations | padding to 8 | u32 Ogg CRC
 * of everything before it.
 *
 * Version 2 added the `crc` and `sequence` columns and each link's `headerPages`, so that an
 * index is never used for bytes other than those it describes; version 1 sidecars are refused
 * (index the file again). Opening a file with its sidecar (`openSidecar`, `openFile` in the
 * Node entry) compares the header pages with `checkHeaders` every time.
 */
export const SIDECAR_VERSION = 2;
const MAGIC = new TextEncoder().encode("GRNLIDX\0");

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const pad8 = (n: number) => (n + 7) & ~7;
const ROW_BYTES = PAGE_ROW_COLUMNS.reduce((n, column) => n + column.type.BYTES_PER_ELEMENT, 0);

/** Serialises an index to sidecar bytes. The index must have every column (as `buildIndex` gives). */
export function writeSidecar(index: OpusIndex): Uint8Array {
  if (!littleEndian) throw new OpusError("invalid-argument", "sidecars are written on little-endian machines only");
  const rowCount = index.rows.byteOffset.length;
  const header: IndexJson = {
    byteLength: index.byteLength,
    totalSamples: index.totalSamples,
    rowCount,
    packetCount: index.packetSamples.length,
    links: linksToJson(index.links),
    problems: [...index.problems],
  };
  const columns = PAGE_ROW_COLUMNS.map((column) => {
    const values = index.rows[column.name];
    if (values === undefined) {
      throw new OpusError(
        "invalid-argument",
        `the index has no ${column.name} column (read from an older archive?): index the file again`,
      );
    }
    return values;
  });
  if (index.links.some((link) => link.headerPages === undefined)) {
    throw new OpusError(
      "invalid-argument",
      "the index does not record its header pages (read from an older archive?): index the file again",
    );
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  let size = pad8(16 + json.length);
  for (const column of columns) size += pad8(column.byteLength);
  size += pad8(index.packetSamples.byteLength) + 4;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(8, SIDECAR_VERSION, true);
  view.setUint32(12, json.length, true);
  out.set(json, 16);
  let at = pad8(16 + json.length);
  for (const column of columns) {
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
 * Reopens a sidecar, checking everything in it: magic, version, checksum, every JSON field,
 * and the rows against the links. Pass `expectedByteLength` (the size of the `.opus` file) to
 * refuse a sidecar written for another file; to check that the file's header pages are still
 * those indexed, use `checkHeaders` (the Node entry's `openSidecar` does). Throws `OpusError`
 * `bad-sidecar` saying what is wrong.
 */
export function readSidecar(bytes: Uint8Array, expectedByteLength?: number): OpusIndex {
  const fail = (message: string) => new OpusError("bad-sidecar", message);
  if (bytes.length < 20 || MAGIC.some((b, i) => bytes[i] !== b)) throw fail("not a granule index sidecar (bad magic)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version < SIDECAR_VERSION) {
    throw fail(
      `sidecar format version ${version} was written by an older version of granule: index the file again (granule index <file>)`,
    );
  }
  if (version > SIDECAR_VERSION) {
    throw fail(
      `sidecar format version ${version} was written by a newer version of granule; this one reads version ${SIDECAR_VERSION}`,
    );
  }
  const stored = view.getUint32(bytes.length - 4, true);
  if (crc32(bytes.subarray(0, bytes.length - 4)) !== stored) {
    throw fail("sidecar checksum mismatch: the file is damaged");
  }
  const jsonLength = view.getUint32(12, true);
  if (16 + jsonLength > bytes.length - 4) throw fail("sidecar header runs past its end");
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + jsonLength)));
  } catch (error) {
    throw fail(`the sidecar's JSON cannot be parsed: ${(error as Error).message}`);
  }
  let header: IndexJson;
  try {
    header = checkIndexJson(parsed, true);
  } catch (error) {
    if (error instanceof InvalidIndexData) throw fail(`malformed sidecar: ${error.message}`);
    throw error;
  }
  if (expectedByteLength !== undefined && header.byteLength !== expectedByteLength) {
    throw fail(`sidecar indexes a ${header.byteLength}-byte file, but this file has ${expectedByteLength} bytes`);
  }
  const columnsStart = pad8(16 + jsonLength);
  if (header.rowCount * ROW_BYTES + header.packetCount * 2 > bytes.length - 4 - columnsStart) {
    throw fail(
      `malformed sidecar: rowCount ${header.rowCount} and packetCount ${header.packetCount} do not fit in its ${bytes.length} bytes`,
    );
  }
  const rows = allocateRows(header.rowCount);
  let at = columnsStart;
  for (const column of PAGE_ROW_COLUMNS) {
    const length = header.rowCount * column.type.BYTES_PER_ELEMENT;
    if (at + length > bytes.length - 4) throw fail(`sidecar column ${column.name} runs past its end`);
    new Uint8Array(rows[column.name].buffer).set(bytes.subarray(at, at + length));
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
  try {
    checkIndexRows(data);
  } catch (error) {
    if (error instanceof InvalidIndexData) throw fail(`malformed sidecar: ${error.message}`);
    throw error;
  }
  return new OpusIndex(data);
}
