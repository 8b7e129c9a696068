import { OPUS_ERROR_CODES } from "./errors.ts";
import type { IndexProblem, OpusIndexData } from "./index-data.ts";
import type { LinkJson } from "./link-json.ts";

/** Thrown by the checks below with a path to what is wrong ("links[1].head.channels: ..."). */
export class InvalidIndexData extends Error {
  override readonly name = "InvalidIndexData";
}

const fail = (path: string, what: string): never => {
  throw new InvalidIndexData(`${path}: ${what}`);
};

function object(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(path, "expected an object");
  return value as Record<string, unknown>;
}

function list(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) fail(path, "expected a list");
  return value as unknown[];
}

function whole(value: unknown, path: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value))
    fail(path, `expected a whole number, got ${JSON.stringify(value)}`);
  const n = value as number;
  if (n < min || n > max) fail(path, `expected a whole number from ${min} to ${max}, got ${n}`);
  return n;
}

function text(value: unknown, path: string): string {
  if (typeof value !== "string") fail(path, "expected a string");
  return value as string;
}

const CODES = new Set<string>(OPUS_ERROR_CODES);

/** The JSON facts of an index as the sidecar stores them: counts, links, problems. */
export interface IndexJson {
  byteLength: number;
  totalSamples: number;
  rowCount: number;
  packetCount: number;
  links: LinkJson[];
  problems: IndexProblem[];
}

/**
 * Checks the JSON part of a saved index: every field present with the right type and range,
 * and the links and problems consistent with the counts. `headerPages` says whether each link
 * must list its header pages. Throws `InvalidIndexData`.
 */
export function checkIndexJson(value: unknown, headerPages: boolean): IndexJson {
  const json = object(value, "the index JSON");
  const byteLength = whole(json.byteLength, "byteLength");
  const totalSamples = whole(json.totalSamples, "totalSamples");
  const rowCount = whole(json.rowCount, "rowCount", 0, 0xffffffff);
  whole(json.packetCount, "packetCount", 0, 0xffffffff);
  const links = list(json.links, "links");
  if (links.length === 0) fail("links", "at least one link is needed");
  if (links.length > 0xffff) fail("links", `at most 65535 links fit the link column, got ${links.length}`);
  let firstSample = 0;
  let firstPage = 0;
  links.forEach((value, i) => {
    const path = `links[${i}]`;
    const link = object(value, path);
    whole(link.serial, `${path}.serial`, 0, 0xffffffff);
    const head = object(link.head, `${path}.head`);
    whole(head.version, `${path}.head.version`, 0, 15);
    const channels = whole(head.channels, `${path}.head.channels`, 1, 255);
    const preSkip = whole(head.preSkip, `${path}.head.preSkip`, 0, 0xffff);
    whole(head.inputSampleRate, `${path}.head.inputSampleRate`, 0, 0xffffffff);
    whole(head.outputGainQ8, `${path}.head.outputGainQ8`, -32768, 32767);
    whole(head.mappingFamily, `${path}.head.mappingFamily`, 0, 255);
    const streams = whole(head.streamCount, `${path}.head.streamCount`, 1, 255);
    whole(head.coupledCount, `${path}.head.coupledCount`, 0, streams);
    const mapping = list(head.mapping, `${path}.head.mapping`);
    if (mapping.length !== channels)
      fail(`${path}.head.mapping`, `expected ${channels} entries, got ${mapping.length}`);
    mapping.forEach((m, c) => {
      whole(m, `${path}.head.mapping[${c}]`, 0, 255);
    });
    const tags = object(link.tags, `${path}.tags`);
    text(tags.vendor, `${path}.tags.vendor`);
    list(tags.comments, `${path}.tags.comments`).forEach((c, k) => {
      text(c, `${path}.tags.comments[${k}]`);
    });
    if (whole(link.preSkip, `${path}.preSkip`) !== preSkip) fail(`${path}.preSkip`, "differs from head.preSkip");
    const startGranule = whole(link.startGranule, `${path}.startGranule`);
    whole(link.endGranule, `${path}.endGranule`, startGranule);
    if (whole(link.firstSample, `${path}.firstSample`) !== firstSample) {
      fail(`${path}.firstSample`, `expected ${firstSample}, where the link before ends`);
    }
    firstSample += whole(link.sampleCount, `${path}.sampleCount`);
    if (whole(link.firstPage, `${path}.firstPage`) !== firstPage) {
      fail(`${path}.firstPage`, `expected ${firstPage}, where the link before ends`);
    }
    const pageCount = whole(link.pageCount, `${path}.pageCount`);
    if (firstPage + pageCount > rowCount) {
      fail(path, `rows ${firstPage}-${firstPage + pageCount}, but the sidecar has ${rowCount}`);
    }
    firstPage += pageCount;
    const headerByteOffset = whole(link.headerByteOffset, `${path}.headerByteOffset`);
    const headerByteLength = whole(link.headerByteLength, `${path}.headerByteLength`);
    if (headerByteOffset + headerByteLength > byteLength) fail(path, "header pages lie past the end of the file");
    if (headerPages || link.headerPages !== undefined) {
      const pages = list(link.headerPages, `${path}.headerPages`);
      if (pages.length === 0) fail(`${path}.headerPages`, "at least one header page is needed");
      pages.forEach((value, k) => {
        const p = object(value, `${path}.headerPages[${k}]`);
        const at = whole(p.byteOffset, `${path}.headerPages[${k}].byteOffset`);
        const length = whole(p.byteLength, `${path}.headerPages[${k}].byteLength`, 27);
        whole(p.crc, `${path}.headerPages[${k}].crc`, 0, 0xffffffff);
        if (at < headerByteOffset || at + length > headerByteOffset + headerByteLength) {
          fail(`${path}.headerPages[${k}]`, "lies outside the link's header bytes");
        }
      });
    }
  });
  if (firstSample !== totalSamples) fail("totalSamples", `${totalSamples}, but the links add up to ${firstSample}`);
  if (firstPage !== rowCount) fail("rowCount", `${rowCount}, but the links hold ${firstPage} rows`);
  list(json.problems, "problems").forEach((value, i) => {
    const path = `problems[${i}]`;
    const p = object(value, path);
    if (typeof p.code !== "string" || !CODES.has(p.code))
      fail(`${path}.code`, `unknown code ${JSON.stringify(p.code)}`);
    text(p.message, `${path}.message`);
    const at = whole(p.byteOffset, `${path}.byteOffset`);
    if (at + whole(p.byteLength, `${path}.byteLength`) > byteLength) fail(path, "lies past the end of the file");
    const start = whole(p.startSample, `${path}.startSample`);
    const end = whole(p.endSample, `${path}.endSample`, start);
    if (end > totalSamples) fail(path, `samples ${start}-${end} are outside the recording (0-${totalSamples})`);
  });
  return json as unknown as IndexJson;
}

/**
 * Checks the rows of an index against its links and counts: pages in file order inside the
 * file, packets numbered without gaps, rows of each link in its range with sample positions
 * that never go back. Throws `InvalidIndexData` naming the first row that breaks a law.
 */
export function checkIndexRows(data: OpusIndexData): void {
  const rows = data.rows;
  const rowCount = rows.byteOffset.length;
  let packet = 0;
  let bytesEnd = 0;
  data.links.forEach((link, i) => {
    for (let r = link.firstPage; r < link.firstPage + link.pageCount; r++) {
      const at = rows.byteOffset[r]!;
      if (!Number.isSafeInteger(at) || at < bytesEnd) fail(`row ${r}`, `starts at byte ${at}, inside the row before`);
      bytesEnd = at + rows.byteLength[r]!;
      if (bytesEnd > data.byteLength) fail(`row ${r}`, `ends at byte ${bytesEnd}, past the end of the file`);
      if (rows.link[r] !== i) fail(`row ${r}`, `belongs to link ${rows.link[r]}, but lies in link ${i}`);
      if (rows.packetStart[r] !== packet)
        fail(`row ${r}`, `starts at packet ${rows.packetStart[r]}, expected ${packet}`);
      packet += rows.packetCount[r]!;
      const start = rows.startSample[r]!;
      const end = rows.endSample[r]!;
      if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end))
        fail(`row ${r}`, "has a sample position that is not a whole number");
      if (r > link.firstPage && start < rows.startSample[r - 1]!) {
        fail(`row ${r}`, `row ${r} starts at sample ${start}, before row ${r - 1} (sample ${rows.startSample[r - 1]})`);
      }
      if (r > link.firstPage && end < rows.endSample[r - 1]!) {
        fail(`row ${r}`, `row ${r} ends at sample ${end}, before row ${r - 1} (sample ${rows.endSample[r - 1]})`);
      }
    }
  });
  if (packet !== data.packetSamples.length) {
    fail("rows", `the rows hold ${packet} packets, but there are ${data.packetSamples.length} packet durations`);
  }
  if (rowCount !== data.links.reduce((n, link) => n + link.pageCount, 0))
    fail("rows", "the links do not cover the rows");
}
