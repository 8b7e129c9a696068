// The quick-start demo until the `granule` CLI exists: reads the bundled example recording
// with @granule/ogg-pages and prints its pages, streams, packets and timings.
import { readFileSync } from "node:fs";
import { assemblePackets, readPages } from "@granule/ogg-pages";

const path = new URL("../examples/dawn-chorus.opus", import.meta.url);
const bytes = new Uint8Array(readFileSync(path));
const started = performance.now();
const skipped = [];
const problems = [];
const pages = [...readPages(bytes, { onSkip: (s) => skipped.push(s) })];
const packets = [...assemblePackets(pages, { onProblem: (p) => problems.push(p) })];
const elapsedMs = performance.now() - started;

console.log(`examples/dawn-chorus.opus: ${bytes.length} bytes`);
console.log(`${pages.length} pages, ${packets.length} packets, read and CRC-checked in ${elapsedMs.toFixed(1)} ms`);
for (const serial of new Set(pages.map((p) => p.serial))) {
  const own = pages.filter((p) => p.serial === serial);
  const head = packets.find((p) => p.serial === serial)?.data;
  const codec = head ? new TextDecoder().decode(head.subarray(0, 8)) : "?";
  const preSkip = codec === "OpusHead" && head ? head[10] | (head[11] << 8) : undefined;
  const channels = codec === "OpusHead" && head ? head[9] : undefined;
  const lastGranule = own[own.length - 1].granule;
  console.log(`stream ${serial}: ${codec}, ${own.length} pages, last granule ${lastGranule}`);
  if (preSkip !== undefined) {
    const samples = Number(lastGranule) - preSkip;
    console.log(
      `  ${channels} channel(s), pre-skip ${preSkip}: ${samples} samples at 48 kHz = ${(samples / 48000).toFixed(3)} s`,
    );
  }
}
console.log("first pages:");
for (const page of pages.slice(0, 5)) {
  const flags = [page.bos && "bos", page.continued && "continued", page.eos && "eos"].filter(Boolean).join(",");
  console.log(
    `  byte ${String(page.byteOffset).padStart(6)}  ${String(page.byteLength).padStart(5)} bytes  seq ${page.sequence}  granule ${page.granule}${flags ? `  ${flags}` : ""}`,
  );
}
console.log(`damage: ${skipped.length} skipped byte ranges, ${problems.length} packet problems`);
