import type { ForwardReader } from "./byte-reader.ts";
import { EncodeError } from "./errors.ts";
import { CONTAINER_BYTES, deinterleave, type PcmLayout, type SampleFormat } from "./pcm.ts";
import { decodeText, type RawMetadata } from "./raw-metadata.ts";

export type WavContainer = "riff" | "rf64" | "bw64";

/** What the header of a WAV file says, up to the first byte of its audio. */
export interface WavHeader extends PcmLayout {
  container: WavContainer;
  sampleRate: number;
  /** Significant bits per sample (12 in a 16-bit container, 24, 32 for float...). */
  bitsPerSample: number;
  /** The fmt chunk's format tag (1 PCM, 3 float, 0xFFFE extensible) and, when extensible, its sub-format and speaker mask. */
  formatTag: number;
  channelMask: number | null;
  /** Offset of the first audio byte. */
  dataByteOffset: number;
  /** Audio bytes: from the data chunk, from ds64, or from the file size when the chunk says 0xFFFFFFFF; null for a stream of unknown length. */
  dataByteLength: number | null;
  /** Where the data length came from. */
  dataLengthFrom: "data-chunk" | "ds64" | "end-of-file";
}

/** Chunks larger than this are skipped rather than read as metadata. */
const MAX_METADATA_CHUNK_BYTES = 16 << 20;
const SIZE_UNKNOWN = 0xffffffff;
const GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

interface WalkState {
  container: WavContainer;
  /** End of the RIFF (or RF64) form as its header says. */
  riffEnd: number;
  ds64DataBytes: number | null;
  fmt: Omit<WavHeader, "container" | "dataByteOffset" | "dataByteLength" | "dataLengthFrom"> | null;
  dataSeen: boolean;
}

const u32 = (b: Uint8Array, at: number): number =>
  (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16)) + b[at + 3]! * 2 ** 24;
const u16 = (b: Uint8Array, at: number): number => b[at]! | (b[at + 1]! << 8);
const u64 = (b: Uint8Array, at: number): number => u32(b, at) + u32(b, at + 4) * 2 ** 32;
const fourcc = (b: Uint8Array, at: number): string => String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);
const printable = (id: string): boolean => /^[\x20-\x7e]{4}$/.test(id);

/**
 * Reads a WAV file's chunks up to its audio: RIFF, RF64 and BW64 (`ds64`), fmt (PCM, IEEE
 * float, WAVE_FORMAT_EXTENSIBLE), LIST/INFO and `guan` metadata, odd sizes with their pad byte,
 * unknown chunks skipped. Leaves `reader` at the first audio byte.
 */
export async function readWavHeader(
  reader: ForwardReader,
  metadata: RawMetadata,
  warnings: string[],
): Promise<{ header: WavHeader; state: WalkState }> {
  const head = await reader.read(12);
  const form = head.length >= 12 ? fourcc(head, 0) : "";
  if (head.length < 12 || (form !== "RIFF" && form !== "RF64" && form !== "BW64") || fourcc(head, 8) !== "WAVE") {
    throw new EncodeError("unknown-format", "not a WAV file: no RIFF/RF64/BW64 WAVE header", { byteOffset: 0 });
  }
  const container: WavContainer = form === "RIFF" ? "riff" : form === "RF64" ? "rf64" : "bw64";
  const state: WalkState = { container, riffEnd: 8 + u32(head, 4), ds64DataBytes: null, fmt: null, dataSeen: false };
  if (container !== "riff") {
    const chunk = await reader.read(8);
    if (chunk.length < 8 || fourcc(chunk, 0) !== "ds64") {
      throw new EncodeError("bad-header", `an ${form} file must start with a ds64 chunk`, { byteOffset: 12 });
    }
    const size = u32(chunk, 4);
    if (size < 24) throw new EncodeError("bad-header", `ds64 chunk of ${size} bytes is too short`, { byteOffset: 12 });
    const body = await reader.read(size + (size & 1));
    if (body.length < size)
      throw new EncodeError("truncated", "the file ends inside its ds64 chunk", { byteOffset: 20 });
    state.riffEnd = 8 + u64(body, 0);
    state.ds64DataBytes = u64(body, 8);
  }
  for (;;) {
    const at = reader.position;
    const chunk = await reader.read(8);
    if (chunk.length < 8) {
      throw new EncodeError(
        state.fmt === null ? "bad-header" : "truncated",
        state.fmt === null ? "the file ends before its fmt chunk" : "the file ends before its data chunk",
        { byteOffset: at },
      );
    }
    const id = fourcc(chunk, 0);
    const size32 = u32(chunk, 4);
    if (!printable(id)) {
      throw new EncodeError("bad-header", `no chunk header where one should be (bytes ${hex(chunk.subarray(0, 4))})`, {
        byteOffset: at,
      });
    }
    if (id === "data") {
      if (state.fmt === null)
        throw new EncodeError("bad-header", "the data chunk comes before any fmt chunk", { byteOffset: at });
      state.dataSeen = true;
      return { header: dataHeader(state, reader, at, size32, warnings), state };
    }
    await readChunkBody(reader, state, id, size32, at, metadata, warnings, false);
  }
}

/** After the audio: the pad byte and the chunks that follow (AudioMoth writes `guan` there). */
export async function readWavTrailer(
  reader: ForwardReader,
  header: WavHeader,
  state: WalkState,
  metadata: RawMetadata,
  warnings: string[],
): Promise<void> {
  if (header.dataByteLength === null) return;
  if (header.dataByteLength % 2 === 1) await reader.skip(1);
  for (;;) {
    const at = reader.position;
    const chunk = await reader.read(8);
    if (chunk.length === 0) return;
    if (chunk.length < 8 || !printable(fourcc(chunk, 0))) {
      const rest = chunk.length + (await reader.skip(Number.POSITIVE_INFINITY));
      const zeros = chunk.every((b) => b === 0);
      if (!(zeros && chunk.length < 8))
        warnings.push(`${rest} bytes after the last chunk at byte ${at} are not a chunk; ignored`);
      return;
    }
    const id = fourcc(chunk, 0);
    const size32 = u32(chunk, 4);
    if (id === "data") {
      throw new EncodeError("unsupported-format", "a second data chunk: files with several are not read", {
        byteOffset: at,
      });
    }
    if (!(await readChunkBody(reader, state, id, size32, at, metadata, warnings, true))) return;
  }
}

/**
 * Reads or skips one chunk's body and its pad byte. Before the audio, a chunk that runs past
 * the end is an error (the audio cannot be found); after it, a warning, and the walk stops.
 * Returns false when the walk should stop.
 */
async function readChunkBody(
  reader: ForwardReader,
  state: WalkState,
  id: string,
  size: number,
  at: number,
  metadata: RawMetadata,
  warnings: string[],
  afterAudio: boolean,
): Promise<boolean> {
  const bodyAt = at + 8;
  const pastEnd = (available: number): boolean => {
    const message = `chunk "${id}" at byte ${at} says ${size} bytes but the file has ${available} after its header`;
    if (!afterAudio) throw new EncodeError("bad-header", message, { byteOffset: at });
    warnings.push(`${message}; the rest is ignored`);
    return false;
  };
  const wanted = id === "fmt " || id === "LIST" || id === "guan";
  if (!wanted || size > MAX_METADATA_CHUNK_BYTES) {
    if (wanted) warnings.push(`chunk "${id}" at byte ${at} is ${size} bytes: too large to be metadata, skipped`);
    if (id === "ds64") warnings.push(`a ds64 chunk at byte ${at}, not first: ignored`);
    const skipped = await reader.skip(size);
    if (skipped < size) return pastEnd(skipped);
    await reader.skip(size & 1);
    metadata.otherChunks.push({ id, byteOffset: at, byteLength: size });
    return true;
  }
  const body = (await reader.read(size)).slice();
  if (body.length < size) return pastEnd(body.length);
  await reader.skip(size & 1); // a missing pad byte at the very end (AudioMoth's odd guan) is fine
  if (id === "fmt ") {
    if (state.fmt !== null) throw new EncodeError("bad-header", "a second fmt chunk", { byteOffset: at });
    if (afterAudio) throw new EncodeError("bad-header", "a fmt chunk after the data chunk", { byteOffset: at });
    state.fmt = parseFmt(body, bodyAt, warnings);
  } else collectMetadataChunk(id, body, at, metadata, warnings, afterAudio);
  return true;
}

/**
 * Keeps what a LIST/INFO or `guan` chunk says; other ids are listed as skipped. Shared with
 * FLAC, which keeps a WAV's chunks in `riff` APPLICATION blocks (`flac --keep-foreign-metadata`).
 */
export function collectMetadataChunk(
  id: string,
  body: Uint8Array,
  at: number,
  metadata: RawMetadata,
  warnings: string[],
  afterAudio: boolean,
): void {
  if (id === "LIST" && body.length >= 4 && fourcc(body, 0) === "INFO") {
    parseInfo(body, at + 8, metadata, warnings);
    if (afterAudio) metadata.afterAudio.push("info");
  } else if (id === "guan") {
    if (metadata.guano !== null) {
      warnings.push(`a second guan chunk at byte ${at}: ignored`);
      return;
    }
    const { text, utf8 } = decodeText(body, false);
    if (!utf8) warnings.push(`the guan chunk at byte ${at} is not UTF-8; read as Latin-1`);
    metadata.guano = text;
    metadata.guanoByteOffset = at;
    if (afterAudio) metadata.afterAudio.push("guano");
  } else {
    const form = id === "LIST" && body.length >= 4 ? `LIST/${fourcc(body, 0)}` : id;
    metadata.otherChunks.push({ id: form, byteOffset: at, byteLength: body.length });
  }
}

function dataHeader(
  state: WalkState,
  reader: ForwardReader,
  at: number,
  size32: number,
  warnings: string[],
): WavHeader {
  const fmt = state.fmt!;
  const dataByteOffset = at + 8;
  let dataByteLength: number | null;
  let dataLengthFrom: WavHeader["dataLengthFrom"] = "data-chunk";
  if (state.container !== "riff" && size32 === SIZE_UNKNOWN) {
    dataByteLength = state.ds64DataBytes;
    dataLengthFrom = "ds64";
  } else if (size32 === SIZE_UNKNOWN) {
    // Recorders that stream write 0xFFFFFFFF and never come back to fix it (or the file passed 4 GiB).
    dataByteLength = reader.size === undefined ? null : reader.size - dataByteOffset;
    dataLengthFrom = "end-of-file";
    warnings.push("the data chunk's size is 0xFFFFFFFF (unknown): the audio is taken to run to the end of the file");
  } else dataByteLength = size32;
  if (dataByteLength === 0) {
    const after = reader.size === undefined ? "" : `; ${reader.size - dataByteOffset} bytes follow its header`;
    throw new EncodeError(
      "empty",
      `the data chunk says it holds 0 bytes${after} (a recorder that stopped before finishing the file writes this)`,
      { byteOffset: at },
    );
  }
  if (dataByteLength !== null && dataByteLength % fmt.blockAlign !== 0) {
    warnings.push(`the data chunk's ${dataByteLength} bytes are not a whole number of ${fmt.blockAlign}-byte frames`);
  }
  return { container: state.container, ...fmt, dataByteOffset, dataByteLength, dataLengthFrom };
}

function parseFmt(body: Uint8Array, at: number, warnings: string[]): NonNullable<WalkState["fmt"]> {
  if (body.length < 16)
    throw new EncodeError("bad-header", `fmt chunk of ${body.length} bytes is too short`, { byteOffset: at });
  const formatTag = u16(body, 0);
  const channels = u16(body, 2);
  const sampleRate = u32(body, 4);
  const byteRate = u32(body, 8);
  const blockAlign = u16(body, 12);
  const containerBits = u16(body, 14);
  let code = formatTag;
  let bitsPerSample = containerBits;
  let channelMask: number | null = null;
  if (formatTag === 0xfffe) {
    if (body.length < 40 || u16(body, 16) < 22) {
      throw new EncodeError("bad-header", "a WAVE_FORMAT_EXTENSIBLE fmt chunk without its extension", {
        byteOffset: at,
      });
    }
    const valid = u16(body, 18);
    bitsPerSample = valid === 0 ? containerBits : valid;
    channelMask = u32(body, 20);
    code = u16(body, 24);
    if (GUID_TAIL.some((b, i) => body[26 + i] !== b)) {
      throw new EncodeError("unsupported-format", "WAVE_FORMAT_EXTENSIBLE with a sub-format that is not PCM or float", {
        byteOffset: at + 24,
      });
    }
  }
  if (channels < 1 || channels > 255) {
    throw new EncodeError(
      channels === 0 ? "bad-header" : "unsupported-format",
      `the fmt chunk says ${channels} channels (Opus takes 1 to 255)`,
      { byteOffset: at + 2 },
    );
  }
  if (sampleRate < 1)
    throw new EncodeError("bad-header", "the fmt chunk says a sample rate of 0", { byteOffset: at + 4 });
  if (code !== 1 && code !== 3) {
    throw new EncodeError("unsupported-format", `WAV format ${formatName(code)}: only PCM and IEEE float are read`, {
      byteOffset: at,
    });
  }
  const containerBytes = blockAlign / channels;
  let sampleFormat: SampleFormat | undefined;
  if (code === 3) sampleFormat = containerBytes === 4 ? "f32" : containerBytes === 8 ? "f64" : undefined;
  else sampleFormat = (["u8", "s16", "s24", "s32"] as const)[containerBytes - 1];
  const lies =
    sampleFormat === undefined ||
    !Number.isInteger(containerBytes) ||
    bitsPerSample < 1 ||
    bitsPerSample > containerBytes * 8 ||
    containerBits > containerBytes * 8 ||
    (formatTag !== 0xfffe && Math.ceil(containerBits / 8) !== containerBytes) ||
    (code === 3 && bitsPerSample !== containerBytes * 8);
  if (lies) {
    throw new EncodeError(
      "bad-header",
      `the fmt chunk contradicts itself: ${channels} channels of ${containerBits}-bit ${code === 3 ? "float" : "PCM"} in ${blockAlign}-byte frames`,
      { byteOffset: at },
    );
  }
  if (byteRate !== sampleRate * blockAlign) {
    warnings.push(`the fmt chunk's byte rate ${byteRate} is not ${sampleRate} × ${blockAlign}; ignored`);
  }
  return { sampleRate, channels, blockAlign, sampleFormat: sampleFormat!, bitsPerSample, formatTag, channelMask };
}

function parseInfo(body: Uint8Array, at: number, metadata: RawMetadata, warnings: string[]): void {
  let p = 4;
  while (p + 8 <= body.length) {
    const id = fourcc(body, p);
    const size = u32(body, p + 4);
    if (!printable(id) || p + 8 + size > body.length) {
      warnings.push(`LIST/INFO entry at byte ${at + p} is damaged; the rest of the list is ignored`);
      return;
    }
    metadata.info.push({ id, text: decodeText(body.subarray(p + 8, p + 8 + size)).text });
    p += 8 + size + (size & 1);
  }
}

const FORMAT_NAMES: Record<number, string> = { 2: "ADPCM", 6: "A-law", 7: "µ-law", 17: "IMA ADPCM", 85: "MP3" };
const formatName = (code: number): string =>
  `0x${code.toString(16).padStart(4, "0")}${FORMAT_NAMES[code] ? ` (${FORMAT_NAMES[code]})` : ""}`;
const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");

/** Frames per block handed to the encoder. */
const BLOCK_FRAMES = 16384;

/**
 * The audio as planar float blocks. Stops at the data chunk's end; a file that ends first is
 * `truncated` unless `keepTruncated`, which gives the whole frames there are and says so in
 * `status`.
 */
export async function* readWavFrames(
  reader: ForwardReader,
  header: WavHeader,
  keepTruncated: boolean,
  status: { frames: number; truncatedAt: number | null },
): AsyncGenerator<Float32Array[]> {
  const frameBytes = header.blockAlign;
  let remaining = header.dataByteLength ?? Number.POSITIVE_INFINITY;
  const blockBytes = BLOCK_FRAMES * frameBytes;
  while (remaining > 0) {
    const wanted = Math.min(blockBytes, remaining);
    const bytes = await reader.read(wanted);
    const frames = Math.floor(bytes.length / frameBytes);
    if (frames > 0) {
      const out = Array.from({ length: header.channels }, () => new Float32Array(frames));
      deinterleave(bytes, header, frames, out, 0);
      status.frames += frames;
      yield out;
    }
    remaining -= bytes.length;
    if (bytes.length < wanted || bytes.length % frameBytes !== 0) {
      // A stream of unknown length simply ends; anything else ended early.
      if (header.dataByteLength === null && bytes.length % frameBytes === 0) return;
      const at = reader.position;
      const message =
        header.dataByteLength === null || bytes.length === wanted
          ? `the audio ends inside a frame: ${bytes.length % frameBytes} bytes of a ${frameBytes}-byte frame`
          : `the data chunk says ${header.dataByteLength} bytes but the file ends after ${header.dataByteLength - remaining}`;
      if (!keepTruncated) throw new EncodeError("truncated", message, { byteOffset: at });
      status.truncatedAt = at;
      return;
    }
  }
}

export { CONTAINER_BYTES };
