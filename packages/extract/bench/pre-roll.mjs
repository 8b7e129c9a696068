// Measures how close decoding after a seek comes to a straight-through decode of the same
// file, for several pre-roll lengths, on the real-encoder fixtures: the table behind
// DEFAULT_PRE_ROLL_SAMPLES (docs/extract.md). Run after `npm run build`:
//   node packages/extract/bench/pre-roll.mjs [segmentsPerFile] [preRoll,preRoll,...]
import { readFileSync } from "node:fs";
import { extractMany } from "@granule/extract";
import { assemblePackets, readPages } from "@granule/ogg-pages";
import { bufferSource, buildIndex, recording } from "@granule/opus-index";
import { OpusDecoder } from "opus-decoder";

const FILES = [
  "ffmpeg-mono.opus",
  "ffmpeg-stereo.opus",
  "ffmpeg-5.1.opus",
  "opusenc-mono.opus",
  "opusenc-stereo.opus",
  "opusenc-5.1.opus",
  "frame-2.5ms.opus",
  "frame-60ms.opus",
  "bitrate-510k.opus",
  "ffmpeg-160k.opus",
  "../examples/dawn-chorus.opus",
];
const PRE_ROLLS = (process.argv[3] ?? "0,3840,7680,11520,15360,19200,24000,28800").split(",").map(Number);
const LENGTHS = [120, 960, 4800, 96000];
const perFile = Number(process.argv[2] ?? 120);

let seed = 12345;
const random = () => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 2 ** 32;
};

/** Straight-through decode with the same decoder; sample k of the result is timeline sample k. */
async function straight(bytes, index) {
  const head = index.head;
  const decoder = new OpusDecoder({
    channels: head.channels,
    streamCount: head.streamCount,
    coupledStreamCount: head.coupledCount,
    channelMappingTable: [...head.mapping],
    preSkip: head.preSkip,
  });
  await decoder.ready;
  const packets = [...assemblePackets(readPages(bytes))].map((p) => p.data).slice(2);
  const out = decoder.decodeFrames(packets);
  const gain = head.outputGainQ8 === 0 ? 1 : 10 ** (head.outputGainQ8 / 5120);
  return out.channelData.map((c) => c.map((x) => x * gain));
}

const results = new Map(PRE_ROLLS.map((r) => [r, []]));
const worst = new Map(PRE_ROLLS.map((r) => [r, { snr: Number.POSITIVE_INFINITY, where: "" }]));
for (const file of FILES) {
  const bytes = new Uint8Array(readFileSync(new URL(`../../../fixtures/${file}`, import.meta.url)));
  const index = await buildIndex(bytes, { workers: 0 });
  const reference = await straight(bytes, index);
  const rec = recording(index, bufferSource(bytes));
  const segments = [];
  for (let i = 0; i < perFile; i++) {
    const length = Math.min(LENGTHS[i % LENGTHS.length], index.totalSamples);
    const start = Math.floor(random() * (index.totalSamples - length));
    segments.push({ startSample: start, endSample: start + length });
  }
  for (const preRoll of PRE_ROLLS) {
    // Every segment alone in its window: the worst case a user meets.
    const decoded = [];
    for (const segment of segments) decoded.push(...(await extractMany(rec, [segment], { preRollSamples: preRoll })));
    decoded.forEach((segment, i) => {
      let signal = 0;
      let noise = 0;
      segment.channels.forEach((channel, c) => {
        const ref = reference[c].subarray(segments[i].startSample, segments[i].endSample);
        for (let k = 0; k < channel.length; k++) {
          signal += ref[k] ** 2;
          noise += (ref[k] - channel[k]) ** 2;
        }
      });
      if (signal <= 1e-9) return;
      const snr = noise === 0 ? 200 : 10 * Math.log10(signal / noise);
      results.get(preRoll).push(snr);
      if (snr < worst.get(preRoll).snr) {
        worst.set(preRoll, { snr, where: `${file} samples ${segments[i].startSample}-${segments[i].endSample}` });
      }
    });
  }
}

const pct = (values, q) => [...values].sort((a, b) => a - b)[Math.floor(q * (values.length - 1))];
console.log(
  `SNR (dB) of ${perFile} random segments per file (lengths ${LENGTHS.join(", ")}), ${FILES.length} files, against a straight-through decode`,
);
console.log("pre-roll samples (ms) | worst | 1st percentile | median | worst segment");
for (const preRoll of PRE_ROLLS) {
  const values = results.get(preRoll);
  const cap = (x) => (x >= 200 ? "exact" : x.toFixed(1));
  console.log(
    `${String(preRoll).padStart(6)} (${(preRoll / 48).toFixed(0)} ms) | ${cap(pct(values, 0))} | ${cap(pct(values, 0.01))} | ${cap(pct(values, 0.5))} | ${worst.get(preRoll).where}`,
  );
}
