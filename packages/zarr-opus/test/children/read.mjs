// Reads recordings over and over while other processes import, for the concurrency test.
// Usage: node read.mjs <collection dir> <dir of the source files> <stop file>
// Each round lists the collection, opens every recording and reads random ranges, comparing
// them with the source file (found by the recording's sourceName). Stops when the stop file
// exists; prints {"rounds", "reads", "errors": [...], "ids": [...]} and exits 1 on any error.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { listRecordings, openCollection, openRecording } from "@granule/zarr-opus/node";

const [dir, sourcesDir, stopFile] = process.argv.slice(2);
const sources = new Map();
const errors = [];
const ids = new Set();
let rounds = 0;
let reads = 0;
const collection = await openCollection(dir);
while (!existsSync(stopFile) || rounds === 0) {
  rounds++;
  try {
    for (const summary of await listRecordings(collection)) {
      ids.add(summary.id);
      const recording = await openRecording(collection, summary.id);
      if (!sources.has(summary.sourceName))
        sources.set(summary.sourceName, readFileSync(join(sourcesDir, summary.sourceName)));
      const bytes = sources.get(summary.sourceName);
      if (recording.source.size !== bytes.length) throw new Error(`${summary.id}: size ${recording.source.size}`);
      for (let k = 0; k < 5; k++) {
        const offset = Math.floor(Math.random() * bytes.length);
        const length = Math.floor(Math.random() * 200_000);
        const got = await recording.source.read(offset, length);
        const want = bytes.subarray(offset, offset + length);
        if (Buffer.compare(Buffer.from(got), Buffer.from(want)) !== 0)
          throw new Error(`${summary.id}: wrong bytes at ${offset}`);
        reads++;
      }
    }
  } catch (error) {
    errors.push(`${error.name} ${error.code ?? ""} ${error.message}`);
  }
}
console.log(JSON.stringify({ rounds, reads, errors, ids: [...ids].sort() }));
process.exitCode = errors.length === 0 ? 0 : 1;
