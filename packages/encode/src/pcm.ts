/** How samples are stored in a WAV data chunk (FLAC is decoded by its own decoder). */
export type SampleFormat = "u8" | "s16" | "s24" | "s32" | "f32" | "f64";

export interface PcmLayout {
  sampleFormat: SampleFormat;
  channels: number;
  /** Bytes per frame: channels × container bytes. */
  blockAlign: number;
}

export const CONTAINER_BYTES: Record<SampleFormat, number> = { u8: 1, s16: 2, s24: 3, s32: 4, f32: 4, f64: 8 };

/**
 * Interleaved little-endian samples to one Float32Array per channel, at `outOffset`.
 * Integers scale by their container (s16 / 32768), so samples with fewer valid bits than the
 * container (20 bits in 24, left-justified as WAVE_FORMAT_EXTENSIBLE stores them) scale right.
 */
export function deinterleave(
  bytes: Uint8Array,
  layout: PcmLayout,
  frames: number,
  out: Float32Array[],
  outOffset: number,
): void {
  const { channels, blockAlign } = layout;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let c = 0; c < channels; c++) {
    const channel = out[c]!;
    switch (layout.sampleFormat) {
      case "u8":
        for (let i = 0, at = c; i < frames; i++, at += blockAlign) channel[outOffset + i] = (bytes[at]! - 128) / 128;
        break;
      case "s16":
        for (let i = 0, at = 2 * c; i < frames; i++, at += blockAlign)
          channel[outOffset + i] = view.getInt16(at, true) / 32768;
        break;
      case "s24":
        for (let i = 0, at = 3 * c; i < frames; i++, at += blockAlign) {
          const value = (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16)) << 8;
          channel[outOffset + i] = value / 2147483648;
        }
        break;
      case "s32":
        for (let i = 0, at = 4 * c; i < frames; i++, at += blockAlign)
          channel[outOffset + i] = view.getInt32(at, true) / 2147483648;
        break;
      case "f32":
        for (let i = 0, at = 4 * c; i < frames; i++, at += blockAlign)
          channel[outOffset + i] = view.getFloat32(at, true);
        break;
      case "f64":
        for (let i = 0, at = 8 * c; i < frames; i++, at += blockAlign)
          channel[outOffset + i] = view.getFloat64(at, true);
        break;
    }
  }
}
