// The quick-start demo until the `granule` CLI exists: indexes the bundled example recording
// with @granule/opus-index and shows what a sample-exact read of a 2 s segment needs.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { assemblePackets, readPages } from "@granule/ogg-pages";
import { indexFile, packetSamples } from "@granule/opus-index/node";

const path = fileURLToPath(new URL("../examples/dawn-chorus.opus", import.meta.url));
const bytes = new Uint8Array(readFileSync(path));

let started = performance.now();
const index = await indexFile(path);
const indexMs = performance.now() - started;

const head = index.head;
console.log(`examples/dawn-chorus.opus: ${bytes.length} bytes, indexed in ${indexMs.toFixed(1)} ms`);
console.log(
  `  ${head.channels} channel(s), pre-skip ${head.preSkip}, input rate ${head.inputSampleRate} Hz, vendor "${index.tags.vendor}"`,
);
console.log(
  `  ${index.totalSamples} samples at 48 kHz = ${(index.totalSamples / 48000).toFixed(3)} s; ${index.links.length} link(s), ${index.pageCount} audio pages, ${index.packetCount} packets`,
);
console.log(`  problems: ${index.problems.length === 0 ? "none" : index.problems.map((p) => p.message).join("; ")}`);

console.log("first audio pages (byte range -> samples):");
for (let r = 0; r < Math.min(4, index.pageCount); r++) {
  const rows = index.rows;
  console.log(
    `  bytes ${rows.byteOffset[r]}+${rows.byteLength[r]}  samples ${rows.startSample[r]}..${rows.endSample[r]}  granule ${rows.granule[r]}  ${rows.packetCount[r]} packets`,
  );
}

// A 2 s segment at 7.5 s: which bytes and packets, at packet granularity.
const startSample = 7.5 * 48000;
const endSample = startSample + 2 * 48000;
started = performance.now();
const plan = index.locate(startSample, endSample);
const slice = bytes.subarray(plan.byteOffset, plan.byteOffset + plan.byteLength);
const packets = [...assemblePackets(readPages(slice))]
  .filter((p) => p.serial === plan.serial)
  .slice(plan.skipPackets, plan.skipPackets + plan.packetCount);
const planMs = performance.now() - started;
const decoded = packets.reduce((sum, p) => sum + packetSamples(p.data), 0);
console.log(`segment ${startSample}-${endSample} (2 s at 7.5 s):`);
console.log(
  `  read bytes ${plan.byteOffset}-${plan.byteOffset + plan.byteLength} (${plan.byteLength} of ${bytes.length}), pages ${plan.firstPage}-${plan.lastPage}`,
);
console.log(
  `  decode packets ${plan.firstPacket}-${plan.firstPacket + plan.packetCount - 1} (${decoded} samples from sample ${plan.decodeStartSample}), drop the first ${plan.discardSamples} (pre-roll), keep ${endSample - startSample}`,
);
console.log(`  planned, read and split into packets in ${planMs.toFixed(2)} ms`);
