// A small float64 FFT and tone measurements for the quality tests.

/** In-place iterative radix-2 FFT; re and im have a power-of-two length. */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j] as number, re[i] as number];
      [im[i], im[j]] = [im[j] as number, im[i] as number];
    }
  }
  for (let size = 2; size <= n; size <<= 1) {
    const half = size >> 1;
    const step = (-2 * Math.PI) / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < half; k++) {
        const wr = Math.cos(step * k);
        const wi = Math.sin(step * k);
        const a = start + k;
        const b = a + half;
        const xr = (re[b] as number) * wr - (im[b] as number) * wi;
        const xi = (re[b] as number) * wi + (im[b] as number) * wr;
        re[b] = (re[a] as number) - xr;
        im[b] = (im[a] as number) - xi;
        re[a] = (re[a] as number) + xr;
        im[a] = (im[a] as number) + xi;
      }
    }
  }
}

function besselI0(x: number): number {
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 200 && term > sum * 1e-18; k++) {
    term *= (x * x) / 4 / (k * k);
    sum += term;
  }
  return sum;
}

/**
 * Levels in dB (relative to a sine of `amplitude`) of `samples[start, start + n)` at bins
 * 0..n/2 of an n-point FFT with a Kaiser window (beta 20: side lobes far below -150 dB, main
 * lobe about +-7 bins), so components between bins are measured without leakage.
 */
export function spectrumDb(samples: Float32Array, start: number, n: number, amplitude: number): Float64Array {
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const beta = 20;
  const norm = besselI0(beta);
  let windowSum = 0;
  for (let i = 0; i < n; i++) {
    const r = (2 * i) / (n - 1) - 1;
    const w = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / norm;
    windowSum += w;
    re[i] = (samples[start + i] as number) * w;
  }
  fft(re, im);
  const out = new Float64Array(n / 2 + 1);
  for (let k = 0; k <= n / 2; k++) {
    const magnitude = Math.hypot(re[k] as number, im[k] as number) / (windowSum / 2) / amplitude;
    out[k] = 20 * Math.log10(magnitude + 1e-30);
  }
  return out;
}

export const MAIN_LOBE_BINS = 8;

/** A sine of `amplitude` at `hz`, sampled at `rate`, `length` samples, starting at phase 0 at sample 0. */
export function sine(hz: number, rate: number, length: number, amplitude = 0.5): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * hz * i) / rate);
  return out;
}

/** Amplitude and phase (radians) of the component at `hz` in samples[start, end), by correlation. */
export function toneAt(samples: Float32Array, rate: number, hz: number, start: number, end: number) {
  let c = 0;
  let s = 0;
  for (let i = start; i < end; i++) {
    const angle = (2 * Math.PI * hz * i) / rate;
    c += (samples[i] as number) * Math.cos(angle);
    s += (samples[i] as number) * Math.sin(angle);
  }
  const n = end - start;
  // x = A sin(w i + phi) = A (sin w i cos phi + cos w i sin phi): s ~ A n/2 cos phi, c ~ A n/2 sin phi
  return { amplitude: (2 * Math.hypot(c, s)) / n, phase: Math.atan2(c, s) };
}
