import type { OpusIndex } from "@granule/opus-index";
import { expect } from "vitest";

/** The laws every index must keep, whatever the bytes were. Throws with the first one broken. */
export function checkIndex(idx: OpusIndex, fileByteLength: number): void {
  const rows = idx.rows;
  const rowCount = idx.pageCount;
  const int = (value: number, what: string) => expect(Number.isSafeInteger(value), `${what}: ${value}`).toBe(true);
  expect(idx.byteLength).toBe(fileByteLength);
  int(idx.totalSamples, "totalSamples");
  expect(idx.links.length).toBeGreaterThan(0);
  let firstSample = 0;
  let firstPage = 0;
  idx.links.forEach((link, i) => {
    expect([link.firstSample, link.firstPage], `link ${i}`).toEqual([firstSample, firstPage]);
    int(link.sampleCount, "sampleCount");
    expect(link.sampleCount).toBeGreaterThanOrEqual(0);
    for (let r = link.firstPage; r < link.firstPage + link.pageCount; r++) expect(rows.link[r]).toBe(i);
    firstSample += link.sampleCount;
    firstPage += link.pageCount;
  });
  expect([firstSample, firstPage]).toEqual([idx.totalSamples, rowCount]);
  let packet = 0;
  let bytesEnd = 0;
  for (let r = 0; r < rowCount; r++) {
    expect(rows.byteOffset[r]!, `row ${r} overlaps the row before`).toBeGreaterThanOrEqual(bytesEnd);
    bytesEnd = rows.byteOffset[r]! + rows.byteLength[r]!;
    expect(bytesEnd).toBeLessThanOrEqual(fileByteLength);
    expect(rows.packetStart[r]).toBe(packet);
    packet += rows.packetCount[r]!;
    int(rows.startSample[r]!, `startSample[${r}]`);
    int(rows.endSample[r]!, `endSample[${r}]`);
    if (r > 0 && rows.link[r] === rows.link[r - 1]) {
      expect(rows.startSample[r]!, `startSample of row ${r}`).toBeGreaterThanOrEqual(rows.startSample[r - 1]!);
      expect(rows.endSample[r]!, `endSample of row ${r}`).toBeGreaterThanOrEqual(rows.endSample[r - 1]!);
    }
  }
  expect(packet).toBe(idx.packetCount);
  let previous = -1;
  for (const p of idx.problems) {
    expect(p.byteOffset, "problems sorted by byte offset").toBeGreaterThanOrEqual(previous);
    previous = p.byteOffset;
    for (const n of [p.byteOffset, p.byteLength, p.startSample, p.endSample]) int(n, p.message);
    expect(p.byteOffset + p.byteLength).toBeLessThanOrEqual(fileByteLength);
    expect(0 <= p.startSample && p.startSample <= p.endSample && p.endSample <= idx.totalSamples, p.message).toBe(true);
    expect(typeof p.message).toBe("string");
  }
  // Plans stay inside the file and the link, and cover the samples asked for unless damage is in the way.
  for (const [i, link] of idx.links.entries()) {
    if (link.sampleCount === 0) continue;
    const packets =
      link.pageCount === 0
        ? 0
        : rows.packetStart[link.firstPage + link.pageCount - 1]! +
          rows.packetCount[link.firstPage + link.pageCount - 1]! -
          rows.packetStart[link.firstPage]!;
    if (packets === 0) {
      // Samples on the timeline but no packet left: all of them are refused, and locate says so.
      expect(() => idx.locate(link.firstSample, link.firstSample + 1)).toThrow(
        expect.objectContaining({ code: "hole" }),
      );
      expect(
        idx.problems.some(
          (p) => p.startSample <= link.firstSample && p.endSample >= link.firstSample + link.sampleCount,
        ),
      ).toBe(true);
      continue;
    }
    const end = link.firstSample + link.sampleCount;
    for (const [start, stop] of [
      [link.firstSample, Math.min(end, link.firstSample + 1)],
      [Math.max(link.firstSample, end - 1), end],
      [link.firstSample, end],
      [link.firstSample + Math.floor(link.sampleCount / 2), end],
    ] as const) {
      const plan = idx.locate(start, stop);
      expect(plan.link).toBe(i);
      expect(plan.byteOffset).toBeGreaterThanOrEqual(0);
      expect(plan.byteOffset + plan.byteLength).toBeLessThanOrEqual(fileByteLength);
      expect(plan.firstPage).toBeGreaterThanOrEqual(link.firstPage);
      expect(plan.lastPage).toBeLessThan(link.firstPage + link.pageCount);
      expect(plan.packetCount).toBeGreaterThanOrEqual(1);
      expect(plan.firstPacket + plan.packetCount).toBeLessThanOrEqual(idx.packetCount);
      if (plan.problems.length === 0) {
        expect(plan.decodeStartSample).toBeLessThanOrEqual(start);
        let decodeEnd = plan.decodeStartSample;
        for (let k = 0; k < plan.packetCount; k++) decodeEnd += idx.packetSamples[plan.firstPacket + k]!;
        expect(decodeEnd, `plan ${start}-${stop}`).toBeGreaterThanOrEqual(stop);
      }
    }
  }
}
