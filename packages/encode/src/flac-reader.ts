import { OggPageReader, PacketAssembler } from "@granule/ogg-pages";
import { md5 } from "@noble/hashes/legacy.js";
import { FLACDecoder } from "@wasm-audio-decoders/flac";
import type { ForwardReader } from "./byte-reader.ts";
import { EncodeError } from "./errors.ts";
import type { RawMetadata } from "./raw-metadata.ts";
import { collectMetadataChunk } from "./wav-reader.ts";

/** What a FLAC stream's STREAMINFO says. */
export interface FlacHeader {
  container: "flac" | "ogg-flac";
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Total frames, or null when the encoder did not know (STREAMINFO says 0). */
  totalFrames: number | null;
  /** MD5 of the decoded samples, or null when STREAMINFO leaves it zero. */
  md5: Uint8Array | null;
}

const READ_BYTES = 1 << 20;
const u24 = (b: Uint8Array, at: number): number => (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!;

/**
 * Reads the metadata blocks of a native FLAC stream (`fLaC` + blocks) or of an Ogg FLAC one
 * (the 0x7F FLAC mapping): STREAMINFO, VORBIS_COMMENT, and `riff` APPLICATION blocks in which
 * `flac --keep-foreign-metadata` keeps a WAV's LIST/INFO and `guan` chunks. Returns the bytes
 * read so far, which the decoder still needs.
 */
export async function readFlacHeader(
  reader: ForwardReader,
  container: "flac" | "ogg-flac",
  metadata: RawMetadata,
  warnings: string[],
): Promise<{ header: FlacHeader; consumed: Uint8Array[] }> {
  const consumed: Uint8Array[] = [];
  const blocks: Array<{ type: number; body: Uint8Array; at: number }> = [];
  if (container === "flac") {
    const read = async (n: number, what: string): Promise<Uint8Array> => {
      const at = reader.position;
      const bytes = (await reader.read(n)).slice();
      consumed.push(bytes);
      if (bytes.length < n) throw new EncodeError("truncated", `the file ends inside ${what}`, { byteOffset: at });
      return bytes;
    };
    await read(4, "the fLaC marker");
    for (;;) {
      const at = reader.position;
      const head = await read(4, "a metadata block header");
      const body = await read(u24(head, 1), `metadata block ${head[0]! & 0x7f}`);
      blocks.push({ type: head[0]! & 0x7f, body, at });
      if (head[0]! & 0x80) break;
    }
  } else {
    const pages = new OggPageReader();
    const packets = new PacketAssembler();
    let headerPackets = Number.POSITIVE_INFINITY;
    let serial: number | null = null;
    while (blocks.length < headerPackets) {
      const bytes = (await reader.read(READ_BYTES)).slice();
      if (bytes.length === 0) throw new EncodeError("truncated", "the Ogg FLAC stream ends inside its headers");
      consumed.push(bytes);
      for (const page of pages.push(bytes)) {
        for (const packet of packets.push(page)) {
          if (serial === null) {
            const d = packet.data;
            if (d.length < 13 + 38 || d[0] !== 0x7f || String.fromCharCode(d[1]!, d[2]!, d[3]!, d[4]!) !== "FLAC") {
              throw new EncodeError("unsupported-format", "an Ogg stream that is not FLAC", {
                byteOffset: page.byteOffset,
              });
            }
            serial = packet.serial;
            const count = (d[7]! << 8) | d[8]!;
            headerPackets = count === 0 ? Number.POSITIVE_INFINITY : count + 1;
            blocks.push({ type: 0, body: d.subarray(17, 17 + u24(d, 14)), at: page.byteOffset });
          } else if (packet.serial === serial && blocks.length < headerPackets) {
            const d = packet.data;
            if ((d[0]! & 0x7f) === 0x7f || d[0] === 0xff) {
              headerPackets = blocks.length; // audio began: the count was 0 (unknown)
              break;
            }
            blocks.push({ type: d[0]! & 0x7f, body: d.subarray(4, 4 + u24(d, 1)), at: page.byteOffset });
            if (d[0]! & 0x80) headerPackets = blocks.length;
          }
        }
      }
    }
  }
  const info = blocks[0];
  if (info === undefined || info.type !== 0 || info.body.length < 34) {
    throw new EncodeError("bad-header", "the first FLAC metadata block is not a STREAMINFO", {
      byteOffset: info?.at ?? 4,
    });
  }
  const s = info.body;
  const sampleRate = (s[10]! << 12) | (s[11]! << 4) | (s[12]! >> 4);
  const channels = ((s[12]! >> 1) & 7) + 1;
  const bitsPerSample = (((s[12]! & 1) << 4) | (s[13]! >> 4)) + 1;
  const totalFrames = (s[13]! & 0x0f) * 2 ** 32 + ((s[14]! << 24) >>> 0) + ((s[15]! << 16) | (s[16]! << 8) | s[17]!);
  const digest = s.slice(18, 34);
  if (sampleRate === 0)
    throw new EncodeError("bad-header", "STREAMINFO says a sample rate of 0", { byteOffset: info.at });
  for (const block of blocks.slice(1)) readFlacMetadataBlock(block, metadata, warnings);
  return {
    header: {
      container,
      sampleRate,
      channels,
      bitsPerSample,
      totalFrames: totalFrames === 0 ? null : totalFrames,
      md5: digest.every((b) => b === 0) ? null : digest,
    },
    consumed,
  };
}

function readFlacMetadataBlock(
  block: { type: number; body: Uint8Array; at: number },
  metadata: RawMetadata,
  warnings: string[],
): void {
  const { type, body, at } = block;
  if (type === 4) {
    // VORBIS_COMMENT: little-endian lengths, unlike the rest of FLAC.
    const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
    const text = new TextDecoder();
    try {
      let p = 0;
      const vendorLength = view.getUint32(p, true);
      metadata.vorbisVendor = text.decode(body.subarray(p + 4, p + 4 + vendorLength));
      p += 4 + vendorLength;
      const count = view.getUint32(p, true);
      p += 4;
      for (let i = 0; i < count; i++) {
        const length = view.getUint32(p, true);
        if (p + 4 + length > body.length) throw new RangeError("comment past the end");
        metadata.vorbisComments.push(text.decode(body.subarray(p + 4, p + 4 + length)));
        p += 4 + length;
      }
    } catch {
      warnings.push(`the FLAC Vorbis comment block at byte ${at} is damaged; what was read before the damage is kept`);
    }
  } else if (type === 2 && body.length >= 4 && String.fromCharCode(...body.subarray(0, 4)) === "riff") {
    let p = 4;
    if (String.fromCharCode(...body.subarray(p, p + 4)) === "RIFF") p += 12;
    while (p + 8 <= body.length) {
      const id = String.fromCharCode(...body.subarray(p, p + 4));
      const size = body[p + 4]! | (body[p + 5]! << 8) | (body[p + 6]! << 16) | (body[p + 7]! << 24);
      const chunk = body.subarray(p + 8, p + 8 + Math.min(size >>> 0, body.length - p - 8));
      if (id !== "fmt " && id !== "data") collectMetadataChunk(id, chunk, at, metadata, warnings, false);
      p += 8 + (size >>> 0) + (size & 1);
    }
  } else if (type !== 1 && type !== 3) {
    metadata.otherChunks.push({ id: `flac-block-${type}`, byteOffset: at, byteLength: body.length });
  }
}

/**
 * Decodes the FLAC stream with libFLAC (WASM, `@wasm-audio-decoders/flac`), yielding planar
 * float blocks. Decoder errors (lost sync, bad CRC) are `bad-data`; fewer frames than
 * STREAMINFO says is `truncated` unless `keepTruncated`; the MD5 in STREAMINFO is checked.
 */
export async function* readFlacFrames(
  reader: ForwardReader,
  header: FlacHeader,
  consumed: Uint8Array[],
  keepTruncated: boolean,
  status: { frames: number; truncatedAt: number | null; md5Checked: boolean },
): AsyncGenerator<Float32Array[]> {
  const decoder = new FLACDecoder();
  await decoder.ready;
  const hash = header.md5 !== null && header.bitsPerSample <= 24 ? md5.create() : null;
  const bytesPerSample = Math.ceil(header.bitsPerSample / 8);
  const fullScale = 2 ** (header.bitsPerSample - 1);
  const toWavScale = (fullScale - 1) / fullScale;
  let inputBytes = 0;
  const take = (result: {
    channelData: Float32Array[];
    samplesDecoded: number;
    errors: Array<{ message: string; inputBytes: number }>;
  }) => {
    const error = result.errors[0];
    if (error !== undefined) {
      throw new EncodeError("bad-data", `FLAC: ${error.message}`, { byteOffset: error.inputBytes });
    }
    if (result.samplesDecoded === 0) return null;
    if (result.channelData.length !== header.channels) {
      throw new EncodeError(
        "bad-data",
        `FLAC frames of ${result.channelData.length} channels in a ${header.channels}-channel stream`,
        {
          byteOffset: inputBytes,
        },
      );
    }
    if (hash !== null)
      hash.update(pcmBytes(result.channelData, result.samplesDecoded, header.bitsPerSample, bytesPerSample));
    status.frames += result.samplesDecoded;
    // The decoder divides by 2^(bits-1) - 1; WAV samples here are divided by 2^(bits-1), so
    // that a FLAC and the WAV it was made from give the encoder the same values.
    return result.channelData.map((c) => {
      const out = c.subarray(0, result.samplesDecoded);
      for (let i = 0; i < out.length; i++) out[i] = out[i]! * toWavScale;
      return out;
    });
  };
  try {
    const pending = [...consumed];
    for (;;) {
      const bytes = pending.shift() ?? (await reader.read(READ_BYTES)).slice();
      if (bytes.length === 0) break;
      inputBytes += bytes.length;
      const block = take(await decoder.decode(bytes));
      if (block !== null) yield block;
    }
    const last = take(await decoder.flush());
    if (last !== null) yield last;
  } finally {
    decoder.free();
  }
  if (header.totalFrames !== null && status.frames !== header.totalFrames) {
    if (status.frames > header.totalFrames) {
      throw new EncodeError("bad-data", `FLAC decoded ${status.frames} frames, STREAMINFO says ${header.totalFrames}`);
    }
    const message = `the FLAC stream ends after ${status.frames} of the ${header.totalFrames} frames STREAMINFO says`;
    if (!keepTruncated) throw new EncodeError("truncated", message, { byteOffset: reader.position });
    status.truncatedAt = reader.position;
    return;
  }
  if (hash !== null) {
    const digest = hash.digest();
    if (digest.some((b, i) => b !== header.md5![i])) {
      throw new EncodeError("bad-data", "the decoded FLAC audio does not match the MD5 in STREAMINFO");
    }
    status.md5Checked = true;
  }
}

/**
 * The samples as FLAC's MD5 sees them: signed little-endian integers, interleaved (the
 * decoder's floats are the integers divided by 2^(bits-1) - 1).
 */
function pcmBytes(channels: Float32Array[], frames: number, bits: number, bytesPerSample: number): Uint8Array {
  const out = new Uint8Array(frames * channels.length * bytesPerSample);
  const scale = 2 ** (bits - 1) - 1;
  let at = 0;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels.length; c++) {
      const value = Math.round(channels[c]![i]! * scale);
      for (let b = 0; b < bytesPerSample; b++) out[at++] = (value >> (8 * b)) & 0xff;
    }
  }
  return out;
}
