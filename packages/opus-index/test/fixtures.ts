import { readFileSync } from "node:fs";

/** Facts recorded by libogg/libopusfile when the fixtures were made (fixtures/*.json). */
export interface LinkFact {
  serial: number;
  channels: number;
  preSkip: number;
  inputSampleRate: number;
  outputGain: number;
  mappingFamily: number;
  streamCount: number;
  coupledCount: number;
  mapping: number[];
  pcmTotal: number;
  vendor: string;
  comments: string[];
}

export interface StreamFact {
  serial: number;
  pageCount: number;
  packetCount: number;
  lastGranule: string;
  startGranule?: string;
  audioPacketCount?: number;
  tocSamples?: number;
  packetLengths: number[];
}

export interface PageFact {
  byteOffset: number;
  byteLength: number;
  serial: number;
  sequence: number;
  granule: string;
  eos: boolean;
  packetsCompleted: number;
}

export interface FixtureFact {
  file: string;
  bytes: number;
  pages: PageFact[];
  streams: StreamFact[];
  opus: {
    linkCount: number;
    pcmTotal: number;
    links: LinkFact[];
    decodeEvents?: { code: number; pcmTellBefore: number; pcmTellAfter: number }[];
  } | null;
  opusfileError?: number;
}

const fixturesDir = new URL("../../../fixtures/", import.meta.url);
const load = (name: string): FixtureFact[] => JSON.parse(readFileSync(new URL(name, fixturesDir), "utf8")).fixtures;

export const facts: FixtureFact[] = [...load("facts.json"), ...load("derived-facts.json")];

export function fact(file: string): FixtureFact {
  const found = facts.find((f) => f.file === file);
  if (!found) throw new Error(`no facts for ${file}`);
  return found;
}

/** Fixture bytes; names are relative to fixtures/ ("derived/x.opus", "../examples/x.opus"). */
export function loadFixture(file: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(file, fixturesDir)));
}

/** Fixtures that libopusfile opened, with its totals to compare against. */
export const opusFixtures = facts.filter((f) => f.opus !== null);
