import { readFileSync } from "node:fs";

/** Facts about each fixture as libogg and libopusfile reported them (fixtures/facts.json). */
export interface PageFact {
  byteOffset: number;
  byteLength: number;
  headerLength: number;
  segmentCount: number;
  serial: number;
  sequence: number;
  granule: string;
  continued: boolean;
  bos: boolean;
  eos: boolean;
  packetsCompleted: number;
  firstPacketIndex: number;
}

export interface StreamFact {
  serial: number;
  pageCount: number;
  packetCount: number;
  continuedPageCount: number;
  lastGranule: string;
  packetLengths: number[];
  granuleMarks: [number, string][];
}

export interface FixtureFact {
  file: string;
  bytes: number;
  pages: PageFact[];
  pageCount: number;
  streams: StreamFact[];
}

const fixturesDir = new URL("../../../fixtures/", import.meta.url);

export const facts: FixtureFact[] = JSON.parse(readFileSync(new URL("facts.json", fixturesDir), "utf8")).fixtures;

export function loadFixture(file: string): Uint8Array {
  // Names are relative to fixtures/ (the demo file is "../examples/dawn-chorus.opus").
  return new Uint8Array(readFileSync(new URL(file, fixturesDir)));
}
