import { writeFile } from "node:fs/promises";
import { encodeToBytes } from "@granule/encode";
import { encodeFile } from "@granule/encode/node";
import { encodeWav } from "@granule/extract";
import { parseRecorderFileName } from "@granule/zarr-opus";

// A 384 kHz recorder file (one second of a 40 kHz tone), as an AudioMoth would write it.
const rate = 384_000;
const tone = new Float32Array(rate).map((_, n) => 0.5 * Math.sin((2 * Math.PI * 40_000 * n) / rate));
await writeFile("20250417_211500.WAV", encodeWav([tone], rate, { format: "s16" }));

// Each sample is kept (time expansion x8, labelled 48 kHz); the true rate goes in OpusTags.
const result = await encodeFile("20250417_211500.WAV", "20250417_211500.opus", {
  parseFileName: parseRecorderFileName,
});
console.log(result.ratePlan.kind, result.ratePlan.originalSampleRate); // time-expanded 384000
console.log(result.source.frames, result.opus.totalSamples); // 384000 384000: the decoded length, exactly
console.log(result.metadata.recordedAt); // 2025-04-17T21:15:00.000Z (from the file name)

// Any runtime: the input is a ByteSource, a Uint8Array or a ReadableStream of bytes.
const { bytes } = await encodeToBytes(encodeWav([tone.subarray(0, 48_000)], 48_000), { bitrate: 64_000 });
console.log(bytes.length > 0); // true
