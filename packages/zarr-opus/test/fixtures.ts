import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** What the fixture files' facts (fixtures/*.json, from libogg and libopusfile) say about each. */
export interface FixtureFact {
  file: string;
  bytes: number;
  sha256: string;
  pages: { byteOffset: number; byteLength: number }[];
  opus: { pcmTotal: number; linkCount: number } | null;
}

const fixturesDir = new URL("../../../fixtures/", import.meta.url);
const load = (name: string): FixtureFact[] => JSON.parse(readFileSync(new URL(name, fixturesDir), "utf8")).fixtures;

export const facts: FixtureFact[] = [...load("facts.json"), ...load("derived-facts.json")].filter((f) =>
  existsSync(fixturePath(f.file)),
);

/** Absolute path of a fixture; names are relative to fixtures/ ("derived/x.opus"). */
export function fixturePath(file: string): string {
  return fileURLToPath(new URL(file, fixturesDir));
}

export function loadFixture(file: string): Uint8Array {
  return new Uint8Array(readFileSync(fixturePath(file)));
}

/** Every fixture libopusfile opened: the intact ones and the damaged ones it still plays. */
export const opusFixtures = facts.filter((f) => f.opus !== null);
/** Fixtures that are not Ogg Opus at all, or whose headers are broken. */
export const notOpusFixtures = facts.filter((f) => f.opus === null);
