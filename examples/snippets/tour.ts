import { readFile } from "node:fs/promises";
import { extract } from "@granule/extract";
import { extractMany } from "@granule/extract/node";
import { assemblePackets, readPages } from "@granule/ogg-pages";
import { indexFile, openFile } from "@granule/opus-index/node";
import { importRecording, openCollection, openRecording } from "@granule/zarr-opus/node";

// ogg-pages: pages and packets of any Ogg file
const bytes = new Uint8Array(await readFile("dawn.opus"));
const packets = [...assemblePackets(readPages(bytes))];
console.log(packets.length, "packets, the last ending at granule", packets.at(-1)?.granule); // 1003, 960312n

// opus-index: which bytes and packets hold a range of samples
const index = await indexFile("dawn.opus");
const plan = index.locate(480_000, 576_000); // 2 s at 10 s: bytes to read, packets to decode, samples to drop
console.log(plan.byteOffset, plan.byteLength, plan.packetCount, plan.discardSamples); // 43982 17826 105 4152

// extract: exactly those samples. `await using` closes the file when the scope ends.
await using recording = await openFile("dawn.opus");
const call = await extract(recording, { startSample: 480_000, endSample: 576_000 });
console.log(call.channels.length, call.channels[0]?.length); // 1 channel, 96000 samples

// Many segments, decoded by worker threads: extractMany from @granule/extract/node (the main
// entry's has no workers in Node and refuses `workers` above 0).
const segments = [10, 12, 14, 16].map((s) => ({ startSample: s * 48_000, endSample: (s + 1) * 48_000 }));
const calls = await extractMany(recording, segments, { workers: 2 }); // in input order

// zarr-opus: an archive of recordings
const season = await openCollection("season.zarr", { create: true });
const { id } = await importRecording(season, "20240501_053000.opus");
const archived = await openRecording(season, id); // the shape extract takes
const again = await extract(archived, { startSample: 480_000, endSample: 576_000 });
const same = again.channels[0]?.every((x, i) => x === call.channels[0]?.[i]);
console.log(id, calls.length, same); // 000001 4 true
