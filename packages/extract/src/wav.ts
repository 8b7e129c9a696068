import { ExtractError } from "./errors.ts";
import { interleave, toInt16 } from "./samples.ts";

export type WavFormat = "s16" | "f32";

/*
 * Written here rather than with wavefile 11: for more than two channels it keeps format tag 1
 * and always declares an integer-PCM subformat (float files included), which is not
 * WAVE_FORMAT_EXTENSIBLE. The tests read our files back with wavefile as an independent check.
 */

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/**
 * Opus mapping family 1 orders channels as Vorbis does; WAV orders them by speaker bit. For
 * 3 to 8 channels: which decoded channel goes to each WAV position, and the speaker mask (the
 * same conversion opusdec makes).
 */
const VORBIS_TO_WAV: Record<number, { order: number[]; mask: number }> = {
  3: { order: [0, 2, 1], mask: 0x7 },
  4: { order: [0, 1, 2, 3], mask: 0x33 },
  5: { order: [0, 2, 1, 3, 4], mask: 0x37 },
  6: { order: [0, 2, 1, 5, 3, 4], mask: 0x3f },
  7: { order: [0, 2, 1, 6, 5, 3, 4], mask: 0x70f },
  8: { order: [0, 2, 1, 7, 5, 6, 3, 4], mask: 0x63f },
};

export interface WavOptions {
  format?: WavFormat;
  /** The OpusHead mapping family: 1 reorders 3-8 channels to WAV order with a speaker mask. Default 0. */
  mappingFamily?: number;
}

/**
 * A WAV file: 16-bit PCM or 32-bit float; WAVE_FORMAT_EXTENSIBLE above two channels (with a
 * speaker mask for mapping family 1, none for family 255). The header carries `sampleRate` as
 * given: for time-expanded recordings the true rate, so ultrasound keeps its real pitch.
 */
export function encodeWav(channels: readonly Float32Array[], sampleRate: number, options: WavOptions = {}): Uint8Array {
  const format = options.format ?? "s16";
  if (format !== "s16" && format !== "f32") {
    throw new ExtractError("invalid-argument", `WAV format must be "s16" or "f32", got ${String(format)}`);
  }
  const count = channels.length;
  if (count === 0) throw new ExtractError("invalid-argument", "a WAV file needs at least one channel");
  if (!Number.isInteger(sampleRate) || sampleRate <= 0 || sampleRate > 0xffffffff) {
    throw new ExtractError("invalid-argument", `a WAV sample rate must be a positive whole number, got ${sampleRate}`);
  }
  let ordered = channels;
  let mask = 0;
  const layout = options.mappingFamily === 1 ? VORBIS_TO_WAV[count] : undefined;
  if (layout !== undefined) {
    ordered = layout.order.map((c) => channels[c]!);
    mask = layout.mask;
  }
  const samples = format === "s16" ? toInt16(interleave(ordered)) : interleave(ordered);
  const bytesPerSample = format === "s16" ? 2 : 4;
  const dataBytes = samples.length * bytesPerSample;
  if (dataBytes > 0xffffffff - 80)
    throw new ExtractError("invalid-argument", "over 4 GiB of samples do not fit a WAV file");
  const extensible = count > 2;
  const float = format === "f32";
  // fmt: 16 bytes for PCM, 18 for float (cbSize 0), 40 for extensible; float files add a fact chunk.
  const fmtBytes = extensible ? 40 : float ? 18 : 16;
  const factBytes = float ? 12 : 0;
  const out = new Uint8Array(12 + 8 + fmtBytes + factBytes + 8 + dataBytes);
  const view = new DataView(out.buffer);
  const ascii = (at: number, text: string) => {
    for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
  };
  ascii(0, "RIFF");
  view.setUint32(4, out.length - 8, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  view.setUint32(16, fmtBytes, true);
  view.setUint16(20, extensible ? WAVE_FORMAT_EXTENSIBLE : float ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM, true);
  view.setUint16(22, count, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * count * bytesPerSample, true);
  view.setUint16(32, count * bytesPerSample, true);
  view.setUint16(34, bytesPerSample * 8, true);
  let at = 36;
  if (extensible) {
    view.setUint16(36, 22, true); // cbSize
    view.setUint16(38, bytesPerSample * 8, true); // valid bits
    view.setUint32(40, mask, true);
    // Subformat GUID: the format tag followed by 0000-0010-8000-00AA00389B71.
    view.setUint32(44, float ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM, true);
    out.set([0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71], 48);
    at = 60;
  } else if (float) {
    view.setUint16(36, 0, true); // cbSize
    at = 38;
  }
  if (float) {
    ascii(at, "fact");
    view.setUint32(at + 4, 4, true);
    view.setUint32(at + 8, samples.length / count, true);
    at += 12;
  }
  ascii(at, "data");
  view.setUint32(at + 4, dataBytes, true);
  at += 8;
  out.set(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength), at);
  return out;
}

/** Raw little-endian interleaved samples, for numpy (`np.fromfile(path, "<f4")` or `"<i2"`). */
export function encodeRaw(channels: readonly Float32Array[], format: WavFormat = "f32"): Uint8Array {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    throw new ExtractError("invalid-argument", "raw output is written on little-endian machines only");
  }
  const interleaved = interleave(channels);
  const typed = format === "s16" ? toInt16(interleaved) : interleaved;
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}
