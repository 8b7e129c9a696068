import { contextSamples, createResampler, outputLength, resample, resampleSegment } from "@granule/resample";

const inRate = 48_000;
const tone = new Float32Array(inRate).map((_, n) => Math.sin((2 * Math.PI * 1000 * n) / inRate));

// One-shot: a whole signal, zeros before and after it.
const [out] = resample([tone], inRate, 32_000);
console.log(out?.length, outputLength(tone.length, inRate, 32_000)); // 32000 32000

// Streaming: the concatenated outputs equal resample() of the concatenated input, to the bit.
const resampler = createResampler({ inRate, outRate: 32_000, channels: 1 });
const parts = [resampler.push([tone.subarray(0, 10_000)]), resampler.push([tone.subarray(10_000)]), resampler.flush()];
const streamed = parts.reduce((total, part) => total + (part[0]?.length ?? 0), 0);
console.log(streamed); // 32000

// A segment [s, e) of a longer recording, decoded with enough context on each side.
const context = contextSamples(inRate, 32_000); // input samples needed around it
const [s, e] = [12_000, 24_000];
const from = Math.max(0, s - context);
const decoded = [tone.subarray(from, Math.min(tone.length, e + context))];
const [segment] = resampleSegment(decoded, { inRate, outRate: 32_000, offset: s - from, length: e - s });
console.log(segment?.length); // 8000
