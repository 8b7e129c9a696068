import { indexFile, openSidecar, saveSidecar } from "@granule/opus-index/node";

const index = await indexFile("dawn.opus"); // workers and batch size have sensible defaults
index.totalSamples; // samples at 48 kHz, after pre-skip and end trim (= op_pcm_total): 960000
index.links; // one entry per chained link: serial, head, tags, preSkip, startGranule, firstSample, sampleCount
index.problems; // damage found (lenient mode): byteOffset, byteLength, startSample, endSample

const plan = index.locate(480_000, 576_000); // 2 s at 10 s
plan.byteOffset;
plan.byteLength; // whole pages to read, one range
plan.firstPacket;
plan.packetCount; // packets to decode (plan.skipPackets on the first page come before)
plan.discardSamples; // decoded samples to drop before sample 480,000

await saveSidecar(index, "dawn.opus.idx"); // or writeSidecar(index) for the bytes
const again = await openSidecar("dawn.opus.idx", "dawn.opus"); // or readSidecar(bytes, fileSize)
console.log(again.totalSamples, again.locate(480_000, 576_000).byteOffset === plan.byteOffset); // 960000 true
