// Quality of the decoded result against the source, per source kind and bitrate: exact length,
// lag (cross-correlation peak), SNR; and the band energies of a 20-120 kHz bat-like sweep at
// 384 kHz before and after (time expansion must keep it). `node bench/quality.mjs` after
// `npm run build`. Decoding is @granule/opus-index + @granule/extract, as the archive reads.
import { extract } from "@granule/extract";
import { bufferSource, buildIndex, recording } from "@granule/opus-index";
import { encodeToBytes, planRate, timelineSamples } from "../dist/index.js";

function signal(rate, seconds, f0, f1) {
  const n = Math.round(rate * seconds);
  const out = new Float32Array(n);
  let phase = 0;
  let seed = 7;
  for (let i = 0; i < n; i++) {
    const t = (i / rate) % 0.25; // a 250 ms sweep, repeated, over a noise floor
    const f = f0 + ((f1 - f0) * t) / 0.25;
    phase += (2 * Math.PI * f) / rate;
    seed = (seed * 1103515245 + 12345) >>> 0;
    out[i] = 0.3 * Math.sin(phase) * Math.sin((Math.PI * t) / 0.25) + 0.01 * (seed / 2 ** 32 - 0.5);
  }
  return out;
}

function wav(samples, rate) {
  const out = new Uint8Array(44 + samples.length * 2);
  const v = new DataView(out.buffer);
  const w = (at, s) => {
    for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
  };
  w(0, "RIFF");
  v.setUint32(4, out.length - 8, true);
  w(8, "WAVEfmt ");
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, 1, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, rate * 2, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  w(36, "data");
  v.setUint32(40, samples.length * 2, true);
  for (let i = 0; i < samples.length; i++)
    v.setInt16(44 + 2 * i, Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32768))), true);
  return out;
}

async function decode(bytes) {
  const index = await buildIndex(bytes, { workers: 0 });
  return (await extract(recording(index, bufferSource(bytes)), { startSample: 0, endSample: index.totalSamples }))
    .channels[0];
}

const snr = (a, b) => {
  let s = 0;
  let e = 0;
  for (let i = 0; i < a.length; i++) {
    s += a[i] ** 2;
    e += (a[i] - b[i]) ** 2;
  }
  return 10 * Math.log10(s / e);
};
const lag = (a, b, max) => {
  let best = 0;
  let score = -Infinity;
  for (let l = -max; l <= max; l++) {
    let x = 0;
    for (let i = Math.max(0, -l); i < a.length - Math.max(0, l); i++) x += a[i] * b[i + l];
    if (x > score) [score, best] = [x, l];
  }
  return best;
};

const kinds = [
  ["16 kHz (upsampled)", 16000, 300, 7000],
  ["48 kHz (native)", 48000, 1000, 16000],
  ["96 kHz (time-expanded ×2)", 96000, 20000, 40000],
  ["250 kHz (time-expanded ×5.2)", 250000, 20000, 100000],
  ["384 kHz (time-expanded ×8)", 384000, 20000, 120000],
];
const bitrates = [24000, 32000, 48000, 64000, 96000, 128000];
console.log(`| source (2 s sweep) | exact length | lag | ${bitrates.map((b) => `${b / 1000}k`).join(" | ")} |`);
console.log(`| --- | --- | --- | ${bitrates.map(() => "---").join(" | ")} |`);
for (const [name, rate, f0, f1] of kinds) {
  const source = signal(rate, 2, f0, f1);
  const plan = planRate(rate);
  const cells = [];
  let exact = true;
  let lagSeen = 0;
  for (const bitrate of bitrates) {
    const { bytes } = await encodeToBytes(wav(source, rate), { bitrate, serial: 1 });
    const decoded = await decode(bytes);
    exact &&= decoded.length === timelineSamples(plan, source.length);
    const factor = plan.kind === "upsampled" ? plan.upsampleFactor : 1;
    const back = Float32Array.from({ length: source.length }, (_, i) => decoded[i * factor]);
    if (bitrate === 64000) lagSeen = lag(source, back, 50);
    cells.push(`${snr(source, back).toFixed(1)} dB`);
  }
  console.log(`| ${name} | ${exact ? "yes" : "NO"} | ${lagSeen} | ${cells.join(" | ")} |`);
}

// Band energies of the 384 kHz sweep, in real Hz, before and after (64 kbit/s).
function fftPower(x) {
  const n = 1 << Math.floor(Math.log2(x.length));
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < n; i++) re[i] = x[i] * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const a = (-2 * Math.PI) / len;
    for (let i = 0; i < n; i += len)
      for (let k = 0; k < len / 2; k++) {
        const wr = Math.cos(a * k);
        const wi = Math.sin(a * k);
        const xr = re[i + k + len / 2] * wr - im[i + k + len / 2] * wi;
        const xi = re[i + k + len / 2] * wi + im[i + k + len / 2] * wr;
        re[i + k + len / 2] = re[i + k] - xr;
        im[i + k + len / 2] = im[i + k] - xi;
        re[i + k] += xr;
        im[i + k] += xi;
      }
  }
  return { power: Array.from({ length: n / 2 }, (_, k) => re[k] ** 2 + im[k] ** 2), n };
}
const rate = 384000;
const sweep = signal(rate, 2, 20000, 120000);
const { bytes } = await encodeToBytes(wav(sweep, rate), { serial: 1 });
const after = await decode(bytes);
const bands = [0, 10000, 20000, 40000, 60000, 80000, 100000, 120000, 140000, 160000, 192000];
const before = fftPower(sweep);
const decodedPower = fftPower(after);
const total = before.power.reduce((a, b) => a + b, 0);
console.log("\n384 kHz sweep 20-120 kHz (real Hz), share of the source's total energy per band, 64 kbit/s:");
console.log("| band (kHz) | source | decoded |\n| --- | --- | --- |");
for (let b = 0; b + 1 < bands.length; b++) {
  const sum = (p) =>
    p.power.reduce((acc, v, k) => {
      const hz = (k * rate) / p.n;
      return hz >= bands[b] && hz < bands[b + 1] ? acc + v : acc;
    }, 0);
  const db = (v) => (v <= 0 ? "-inf" : `${(10 * Math.log10(v / total)).toFixed(1)} dB`);
  console.log(`| ${bands[b] / 1000}-${bands[b + 1] / 1000} | ${db(sum(before))} | ${db(sum(decodedPower))} |`);
}
