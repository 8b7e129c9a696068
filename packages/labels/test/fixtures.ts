import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** A fixture's bytes (test/fixtures/<path>). */
export function fixtureBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(fileURLToPath(new URL(`./fixtures/${path}`, import.meta.url))));
}

export const FIXTURES = {
  "raven/marsh-0427.Table.1.selections.txt": "raven",
  "raven/multi-view.Table.1.selections.txt": "raven",
  "raven/stereo.Table.1.selections.txt": "raven",
  "raven/deployment.Table.1.selections.txt": "raven",
  "birdnet/soundscape.BirdNET.selection.table.txt": "raven",
  "birdnet/BirdNET_SelectionTable.txt": "raven",
  "birdnet/v1.0.2.BirdNET.selections.txt": "raven",
  "birdnet/soundscape.BirdNET.results.csv": "birdnet-csv",
  "birdnet/soundscape.BirdNET.results.txt": "audacity",
  "birdnet/soundscape.BirdNET.results.kaleidoscope.csv": "kaleidoscope",
  "audacity/labels.txt": "audacity",
  "audacity/comma-decimals.txt": "audacity",
  "kaleidoscope/id.csv": "kaleidoscope",
  "csv/segments.csv": "csv",
  "csv/samples.csv": "csv",
  "csv/utc.csv": "csv",
} as const;
