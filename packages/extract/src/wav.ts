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

/** What a WAV header says: known before any sample is decoded. */
export interface WavLayout extends WavOptions {
  channelCount: number;
  sampleRate: number;
  /** Samples per channel. */
  frameCount: number;
}

/** The largest RIFF size field: a file whose size minus 8 is above this needs RF64. */
const RIFF_MAX = 0xffffffff;

/**
 * A WAV file: 16-bit PCM or 32-bit float; WAVE_FORMAT_EXTENSIBLE above two channels (with a
 * speaker mask for mapping family 1, none for family 255). The header carries `sampleRate` as
 * given: for time-expanded recordings the true rate, so ultrasound keeps its real pitch.
 * Files over 4 GiB cannot be held whole: write them with `wavStream` (RF64).
 */
export function encodeWav(channels: readonly Float32Array[], sampleRate: number, options: WavOptions = {}): Uint8Array {
  const header = wavHeader({
    ...options,
    channelCount: channels.length,
    sampleRate,
    frameCount: channels[0]?.length ?? 0,
  });
  if (new TextDecoder().decode(header.subarray(0, 4)) === "RF64") {
    throw new ExtractError(
      "invalid-argument",
      "over 4 GiB of samples do not fit a WAV file in memory: use wavStream (RF64)",
    );
  }
  const data = wavData(channels, options);
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

/**
 * The header of a WAV file of `frameCount` samples per channel, up to and including the data
 * chunk's size: the data follows (`wavData`). RIFF while the file fits its 32-bit sizes, else
 * RF64 (EBU Tech 3306: "RF64", a ds64 chunk with the 64-bit sizes, -1 in the 32-bit fields),
 * which libavformat, sox and libsndfile read.
 */
export function wavHeader(layout: WavLayout): Uint8Array {
  const format = layout.format ?? "s16";
  if (format !== "s16" && format !== "f32") {
    throw new ExtractError("invalid-argument", `WAV format must be "s16" or "f32", got ${String(format)}`);
  }
  const count = layout.channelCount;
  if (!Number.isInteger(count) || count < 1 || count > 0xffff) {
    throw new ExtractError("invalid-argument", "a WAV file needs at least one channel");
  }
  const sampleRate = layout.sampleRate;
  if (!Number.isInteger(sampleRate) || sampleRate <= 0 || sampleRate > 0xffffffff) {
    throw new ExtractError("invalid-argument", `a WAV sample rate must be a positive whole number, got ${sampleRate}`);
  }
  const frames = layout.frameCount;
  if (!Number.isSafeInteger(frames) || frames < 0) {
    throw new ExtractError("invalid-argument", `a WAV file holds a whole number of frames, got ${frames}`);
  }
  const mask = layout.mappingFamily === 1 ? (VORBIS_TO_WAV[count]?.mask ?? 0) : 0;
  const bytesPerSample = format === "s16" ? 2 : 4;
  const dataBytes = frames * count * bytesPerSample;
  const extensible = count > 2;
  const float = format === "f32";
  // fmt: 16 bytes for PCM, 18 for float (cbSize 0), 40 for extensible; float files add a fact chunk.
  const fmtBytes = extensible ? 40 : float ? 18 : 16;
  const factBytes = float ? 12 : 0;
  const riffHeaderBytes = 12 + 8 + fmtBytes + factBytes + 8;
  const rf64 = riffHeaderBytes - 8 + dataBytes > RIFF_MAX || dataBytes > RIFF_MAX;
  const ds64Bytes = rf64 ? 8 + 28 : 0;
  const out = new Uint8Array(riffHeaderBytes + ds64Bytes);
  const view = new DataView(out.buffer);
  const ascii = (at: number, text: string) => {
    for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
  };
  const fileBytes = out.length + dataBytes;
  ascii(0, rf64 ? "RF64" : "RIFF");
  view.setUint32(4, rf64 ? RIFF_MAX : fileBytes - 8, true);
  ascii(8, "WAVE");
  let at = 12;
  if (rf64) {
    ascii(12, "ds64");
    view.setUint32(16, 28, true);
    view.setBigUint64(20, BigInt(fileBytes - 8), true);
    view.setBigUint64(28, BigInt(dataBytes), true);
    view.setBigUint64(36, BigInt(frames), true);
    view.setUint32(44, 0, true); // no table of other chunk sizes
    at = 48;
  }
  ascii(at, "fmt ");
  view.setUint32(at + 4, fmtBytes, true);
  view.setUint16(at + 8, extensible ? WAVE_FORMAT_EXTENSIBLE : float ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM, true);
  view.setUint16(at + 10, count, true);
  view.setUint32(at + 12, sampleRate, true);
  view.setUint32(at + 16, sampleRate * count * bytesPerSample, true);
  view.setUint16(at + 20, count * bytesPerSample, true);
  view.setUint16(at + 22, bytesPerSample * 8, true);
  const fmtEnd = at + 8 + fmtBytes;
  if (extensible) {
    view.setUint16(at + 24, 22, true); // cbSize
    view.setUint16(at + 26, bytesPerSample * 8, true); // valid bits
    view.setUint32(at + 28, mask, true);
    // Subformat GUID: the format tag followed by 0000-0010-8000-00AA00389B71.
    view.setUint32(at + 32, float ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM, true);
    out.set([0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71], at + 36);
  } else if (float) {
    view.setUint16(at + 24, 0, true); // cbSize
  }
  at = fmtEnd;
  if (float) {
    ascii(at, "fact");
    view.setUint32(at + 4, 4, true);
    view.setUint32(at + 8, Math.min(frames, RIFF_MAX), true);
    at += 12;
  }
  ascii(at, "data");
  view.setUint32(at + 4, rf64 ? RIFF_MAX : dataBytes, true);
  return out;
}

/** The data chunk's bytes for `channels` (any number of frames): interleaved, in WAV channel order. */
export function wavData(channels: readonly Float32Array[], options: WavOptions = {}): Uint8Array {
  const format = options.format ?? "s16";
  const layout = options.mappingFamily === 1 ? VORBIS_TO_WAV[channels.length] : undefined;
  const ordered = layout === undefined ? channels : layout.order.map((c) => channels[c]!);
  const samples = format === "s16" ? toInt16(interleave(ordered)) : interleave(ordered);
  return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
}

/**
 * Raw little-endian interleaved samples, for numpy (`np.fromfile(path, "<f4")` or `"<i2"`).
 * Mono f32 is the channel's own bytes, a view of it and not a copy (an hour is 691 MB): write
 * them before changing the channel.
 */
export function encodeRaw(channels: readonly Float32Array[], format: WavFormat = "f32"): Uint8Array {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    throw new ExtractError("invalid-argument", "raw output is written on little-endian machines only");
  }
  const interleaved = channels.length === 1 ? channels[0]! : interleave(channels);
  const typed = format === "s16" ? toInt16(interleaved) : interleaved;
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}
