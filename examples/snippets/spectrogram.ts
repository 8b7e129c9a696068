import { writeFile } from "node:fs/promises";
import { extract } from "@granule/extract";
import { openFile } from "@granule/opus-index/node";
import { renderPng, spectrogram } from "@granule/spectrogram";

await using recording = await openFile("dawn.opus");
const segment = await extract(recording, { startSample: 480_000, endSample: 576_000 });
const spec = spectrogram(segment, { fftSize: 1024, hopSize: 256, maxHz: 12_000 });
// spec.frames[k][b]: dB of frame k (centred at spec.frameSeconds[k] s), bin b (spec.binHz[b] Hz).
console.log(spec.frames.length > 0, (spec.frameSeconds[0] ?? 0) >= 10); // true true

const png = renderPng(spec, { width: 1000, height: 300, axes: true, colormap: "magma" });
await writeFile("call.png", png);
