#!/usr/bin/env node
// Puts a base archive of the benchmarks back as it was after a round imported into it, without
// copying it afresh (a 10,000-recording archive is ~560,000 files: a copy per round took
// minutes): removes every recording whose numeric id is above the base's count (the base holds
// 1..count; imports take the next numbers), then with --refresh (when it removed any) rewrites the manifest. Stale
// content-index hints left behind are allowed by the format (a hint is confirmed by the
// recording itself), so a re-import of the same files is not taken for a duplicate.
//
//   node restore-archive.mjs <archive> <count> [--refresh]
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { openCollection, refreshManifest } from "@granule/zarr-opus/node";

const [archive, countText, flag] = process.argv.slice(2);
const count = Number(countText);
if (!archive || !Number.isInteger(count)) {
  console.error("usage: restore-archive.mjs <archive> <count> [--refresh]");
  process.exit(2);
}
let removed = 0;
for (const name of readdirSync(archive)) {
  if (/^\d+$/.test(name) && Number(name) > count) {
    rmSync(join(archive, name), { recursive: true, force: true });
    removed++;
  }
}
// A full refresh reads every recording: only when something was removed.
if (flag === "--refresh" && removed > 0) await refreshManifest(await openCollection(archive));
if (removed > 0) console.error(`${archive}: ${removed} recording(s) removed${flag ? ", manifest rewritten" : ""}`);
