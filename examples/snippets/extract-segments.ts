import { clip } from "@granule/extract";
import { extractMany, writeWav } from "@granule/extract/node";
import { openFile } from "@granule/opus-index/node";

// `await using` closes the file when the scope ends (or call recording.close() yourself).
await using recording = await openFile("dawn.opus"); // index + bytes + sample rate

const segments = [
  { startSample: 480_000, endSample: 576_000 }, // 2 s at 10 s
  { startSample: 48_000, endSample: 52_800 }, // 100 ms at 1 s
];
// From @granule/extract/node: decode workers are worker_threads (the main entry's extractMany
// has no workers in Node). Results come in input order.
const [call, chirp] = await extractMany(recording, segments, { workers: 2 });
if (call === undefined || chirp === undefined) throw new Error("unreachable");
call.channels; // one Float32Array per channel, 96,000 samples each

await writeWav("call.wav", call, { format: "s16", mappingFamily: recording.index.head.mappingFamily });
const opus = await clip(recording, { startSample: 480_000, endSample: 576_000 }); // a valid .opus file's bytes
console.log(call.channels[0]?.length, chirp.channels[0]?.length, opus.length > 0); // 96000 4800 true
