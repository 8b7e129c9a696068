// Speed of spectrogram() (fft.js real FFTs, window, dB) and of renderPng, after `npm run build`:
// node packages/spectrogram/bench/spectrogram.bench.mjs. Five rounds, medians.
import { renderImage, renderPng, spectrogram } from "@granule/spectrogram";

const rate = 48_000;
const samples = new Float32Array(60 * rate);
let x = 1;
for (let n = 0; n < samples.length; n++) {
  x = (x * 1103515245 + 12345) % 2147483648;
  samples[n] = 0.01 * (x / 2147483648 - 0.5) + 0.3 * Math.sin((2 * Math.PI * 1000 * n) / rate);
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const time = (run) => {
  const times = [];
  for (let r = 0; r < 5; r++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  return median(times);
};

for (const fftSize of [512, 1024, 2048]) {
  const frames = Math.floor((samples.length - fftSize) / fftSize) + 1;
  const ms = time(() => spectrogram({ channels: [samples], sampleRate: rate }, { fftSize, hopSize: fftSize }));
  console.log(
    `fftSize ${fftSize}: ${frames} frames in ${ms.toFixed(1)} ms, ${((ms / frames) * 1000).toFixed(1)} µs a frame`,
  );
}
const spec = spectrogram(
  { channels: [samples.subarray(0, 10 * rate)], sampleRate: rate },
  { fftSize: 1024, hopSize: 256 },
);
console.log(
  `renderImage 1000 × 300 with axes: ${time(() => renderImage(spec, { width: 1000, height: 300, axes: true })).toFixed(1)} ms`,
);
console.log(
  `renderPng 1000 × 300 with axes: ${time(() => renderPng(spec, { width: 1000, height: 300, axes: true })).toFixed(1)} ms`,
);
