/** Deterministic test signals. */

/** A linear congruential generator: the same "noise" in every runtime. */
export function noise(length: number, amplitude: number, seed = 7): Float32Array {
  const out = new Float32Array(length);
  let state = seed;
  for (let n = 0; n < length; n++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out[n] = amplitude * (state / 2147483648 - 0.5);
  }
  return out;
}

/** Adds a sine of `hz` and `amplitude` to `samples` over [fromSeconds, toSeconds). */
export function addTone(
  samples: Float32Array,
  sampleRate: number,
  hz: number,
  amplitude: number,
  fromSeconds = 0,
  toSeconds = samples.length / sampleRate,
): Float32Array {
  const first = Math.round(fromSeconds * sampleRate);
  const end = Math.min(samples.length, Math.round(toSeconds * sampleRate));
  for (let n = first; n < end; n++) samples[n]! += amplitude * Math.sin((2 * Math.PI * hz * n) / sampleRate);
  return samples;
}

/** Adds a linear sweep from `fromHz` to `toHz` over `seconds`, starting at `startSeconds`. */
export function addSweep(
  samples: Float32Array,
  sampleRate: number,
  startSeconds: number,
  seconds: number,
  fromHz: number,
  toHz: number,
  amplitude: number,
): Float32Array {
  const first = Math.round(startSeconds * sampleRate);
  const count = Math.round(seconds * sampleRate);
  const slope = (toHz - fromHz) / seconds;
  for (let i = 0; i < count; i++) {
    const t = i / sampleRate;
    samples[first + i]! += amplitude * Math.sin(2 * Math.PI * (fromHz * t + (slope * t * t) / 2));
  }
  return samples;
}

/** Index of the largest value. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}
