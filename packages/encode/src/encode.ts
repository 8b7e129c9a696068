import type { ByteSource } from "@granule/opus-index";
import { createResampler } from "@granule/resample";
import { type EncodeInput, isByteSource, isReadableStream, SequentialReader, SkippingReader } from "./byte-reader.ts";
import { EncodeError } from "./errors.ts";
import { type FlacHeader, readFlacFrames, readFlacHeader } from "./flac-reader.ts";
import { OggOpusWriter, type PageSink } from "./ogg-opus-writer.ts";
import { type OpusApplication, OpusEncoder } from "./opus-encoder.ts";
import { channelLayout, opusHead, opusTags } from "./opus-headers.ts";
import { opusTagComments } from "./opus-tags-mapping.ts";
import { OPUS_RATE, planRate, type RatePlan } from "./rate-plan.ts";
import { emptyRawMetadata, type RawMetadata } from "./raw-metadata.ts";
import {
  checkAgainstAudio,
  describeRecorder,
  type FileNameParser,
  type RecorderMetadata,
} from "./recorder-metadata.ts";
import type { ResamplerFactory } from "./resampler.ts";
import { jsSha256, type Sha256Factory } from "./sha256.ts";
import { PACKAGE_VERSION } from "./version.ts";
import { readWavFrames, readWavHeader, readWavTrailer, type WavHeader } from "./wav-reader.ts";

/** Bits per second per channel by default: see docs/encode.md for the quality figures behind it. */
export const DEFAULT_BITRATE_PER_CHANNEL = 64000;
const FRAME_SIZES_MS = [2.5, 5, 10, 20, 40, 60];

export interface EncodeOptions {
  /** Bits per second for the whole stream. Default 64 kbit/s per channel. */
  bitrate?: number;
  /** Opus frame duration: 2.5, 5, 10, 20, 40 or 60 ms. Default 20. */
  frameSizeMs?: number;
  /** libopus application. Default "audio" (full band, no speech tuning). */
  application?: OpusApplication;
  /** libopus complexity 0-10. Default 10. */
  complexity?: number;
  /** Code a two-channel source as coupled stereo (family 0). false: two independent streams (family 255). Default true. */
  coupleStereo?: boolean;
  /** The source's file name: kept in the description and OpusTags, and read for a start time by `parseFileName`. */
  sourceName?: string;
  /** Reads start times from file names: pass `parseRecorderFileName` from `@granule/zarr-opus`. */
  parseFileName?: FileNameParser;
  /**
   * The factor by which the recorder already slowed the audio (a time-expansion detector's
   * file). Default: GUANO `TE` when the file has one, else 1.
   */
  recorderTimeExpansion?: number;
  /** Resamples sources at rates Opus does not take (44.1, 32, 22.05 kHz): `createResampler` from `@granule/resample`. */
  resampler?: ResamplerFactory;
  /** SHA-256 of the source bytes. Default: JavaScript; the Node entry uses node:crypto. */
  sha256?: Sha256Factory;
  /** The Ogg stream's serial number. Default: random. */
  serial?: number;
  /** Encode what there is of a cut-off file instead of failing (`truncated` in the result says so). Default false. */
  keepTruncated?: boolean;
  /** Fail on unreadable metadata (a damaged guan chunk) instead of warning. Default false. */
  strictMetadata?: boolean;
  /** More OpusTags comments, `NAME=value`. */
  tags?: readonly string[];
  signal?: AbortSignal;
  onProgress?: (progress: EncodeProgress) => void;
}

export interface EncodeProgress {
  bytesRead: number;
  totalBytes: number | undefined;
  framesRead: number;
}

export type SourceFormat = "wav" | "rf64" | "bw64" | "flac" | "ogg-flac";

/** Everything the archive needs to know about an encode. */
export interface EncodeResult {
  source: {
    name: string | null;
    byteLength: number;
    sha256: string;
    format: SourceFormat;
    sampleRate: number;
    channels: number;
    bitsPerSample: number;
    sampleFormat: "int" | "float";
    /** Frames (samples per channel) read from the source. */
    frames: number;
    /** The frames the header promised, when it said (data chunk, STREAMINFO). */
    declaredFrames: number | null;
    /** True when `keepTruncated` encoded a cut-off file: `frames` is what there was. */
    truncated: boolean;
    /** FLAC: the decoded samples matched STREAMINFO's MD5. */
    md5Checked?: boolean;
  };
  ratePlan: RatePlan;
  opus: {
    /** Samples per channel on the 48 kHz timeline: the decoded length, exactly. */
    totalSamples: number;
    preSkip: number;
    channels: number;
    mappingFamily: 0 | 255;
    streams: number;
    coupledStreams: number;
    serial: number;
    pages: number;
    packets: number;
    byteLength: number;
  };
  encoder: {
    name: "@granule/encode";
    version: string;
    libopus: string;
    bitrate: number;
    frameSizeMs: number;
    application: OpusApplication;
    complexity: number;
    vbr: true;
  };
  metadata: RecorderMetadata;
  /** The OpusTags comments written. */
  tags: string[];
  warnings: string[];
}

interface OpenedSource {
  /** The metadata known before the audio: all of it when a look at the chunk layout was possible. */
  tagRaw: RawMetadata;
  format: SourceFormat;
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  sampleFormat: "int" | "float";
  declaredFrames: number | null;
  frames: AsyncGenerator<Float32Array[]>;
  status: { frames: number; truncatedAt: number | null; md5Checked?: boolean };
  /** Reads what follows the audio (WAV chunks after data). */
  finish(): Promise<void>;
}

/**
 * Encodes a recording (WAV, RF64, FLAC, Ogg FLAC) to Ogg Opus in one streaming pass, handing
 * each page to `sink` as it is made: memory stays bounded whatever the length. The decoded
 * stream has exactly the samples `timelineSamples(ratePlan, frames)` says, with no lag.
 * Resolves only when the last page (EOS) has been handed over; on any error it throws an
 * `EncodeError` and the pages already given must be discarded.
 */
export async function encode(input: EncodeInput, sink: PageSink, options: EncodeOptions = {}): Promise<EncodeResult> {
  const settings = checkOptions(options);
  if (!(input instanceof Uint8Array) && !isByteSource(input) && !isReadableStream(input)) {
    throw new EncodeError("invalid-argument", "input must be a ByteSource, a Uint8Array or a ReadableStream of bytes");
  }
  const hash = (options.sha256 ?? jsSha256)();
  const reader = new SequentialReader(input, hash, options.signal);
  const warnings: string[] = [];
  const raw = emptyRawMetadata();
  try {
    const source = await openSource(reader, input, raw, warnings, options);
    const describeOptions = {
      ...(options.sourceName === undefined ? {} : { sourceName: options.sourceName }),
      ...(options.parseFileName === undefined ? {} : { parseFileName: options.parseFileName }),
    };
    const known = describeRecorder(source.tagRaw, describeOptions);
    if (options.strictMetadata) checkMetadata(known, source.tagRaw);
    const plan = planRate(source.sampleRate, {
      recorderTimeExpansion: options.recorderTimeExpansion ?? known.timeExpansion,
    });
    const layout = channelLayout(source.channels, settings.coupleStereo);
    const bitrate = options.bitrate ?? DEFAULT_BITRATE_PER_CHANNEL * source.channels;
    const frameSize = (plan.encoderRate * settings.frameSizeMs) / 1000;
    const encoder = await OpusEncoder.create({
      sampleRate: plan.encoderRate,
      channels: source.channels,
      streams: layout.streams,
      coupledStreams: layout.coupledStreams,
      mapping: layout.mapping,
      application: settings.application,
      bitrate,
      complexity: settings.complexity,
      frameSize,
      lsbDepth: Math.max(8, Math.min(24, source.bitsPerSample)),
    });
    try {
      const upsample = OPUS_RATE / plan.encoderRate;
      const preSkip = encoder.lookahead * upsample;
      const serial = options.serial ?? crypto.getRandomValues(new Uint32Array(1))[0]!;
      const writer = new OggOpusWriter(serial, sink);
      const encoderName = `@granule/encode ${PACKAGE_VERSION} (libopus ${OpusEncoder.libopusVersion})`;
      const encoderOptions = `--bitrate ${bitrate} --framesize ${settings.frameSizeMs} --application ${settings.application} --complexity ${settings.complexity}`;
      const tags = opusTagComments({
        metadata: known,
        plan,
        sourceName: options.sourceName,
        encoderName,
        encoderOptions,
        extra: options.tags ?? [],
      });
      // OpusHead's input rate is information only: the true rate of the recording.
      await writer.headers(
        opusHead(source.channels, preSkip, plan.originalSampleRate, layout),
        opusTags(`libopus ${OpusEncoder.libopusVersion}`, tags),
      );

      const frameSize48 = BigInt(frameSize * upsample);
      let frameFill = 0;
      let packetIndex = 0n;
      let fed = 0;
      const feed = async (channels: Float32Array[]): Promise<void> => {
        const length = channels[0]?.length ?? 0;
        const count = channels.length;
        let at = 0;
        while (at < length) {
          const take = Math.min(frameSize - frameFill, length - at);
          const pcm = encoder.input();
          for (let c = 0; c < count; c++) {
            const channel = channels[c]!;
            for (let i = 0, o = frameFill * count + c; i < take; i++, o += count) pcm[o] = channel[at + i]!;
          }
          frameFill += take;
          at += take;
          if (frameFill === frameSize) {
            packetIndex++;
            await writer.packet(encoder.encode(), packetIndex * frameSize48);
            frameFill = 0;
          }
        }
        fed += length;
      };
      const resampler =
        plan.kind === "resampled"
          ? (options.resampler ?? createResampler)({
              inRate: plan.sourceRate,
              outRate: OPUS_RATE,
              channels: source.channels,
            })
          : null;
      for await (const block of source.frames) {
        await feed(resampler === null ? block : resampler.push(block));
        options.onProgress?.({ bytesRead: reader.position, totalBytes: reader.size, framesRead: source.status.frames });
      }
      if (resampler !== null) await feed(resampler.flush());
      await source.finish();
      if (source.status.frames === 0) throw new EncodeError("empty", "the source holds no audio frames");
      const encodedInput = fed;
      // Flush libopus's lookahead with silence, then close the last frame.
      const silence = Array.from(
        { length: source.channels },
        () => new Float32Array(Math.min(encoder.lookahead, 65536)),
      );
      for (let left = encoder.lookahead; left > 0; left -= silence[0]!.length) {
        await feed(left >= silence[0]!.length ? silence : silence.map((c) => c.subarray(0, left)));
      }
      if (frameFill > 0) await feed(silence.map(() => new Float32Array(frameSize - frameFill)));
      const totalSamples = encodedInput * upsample;
      await writer.end(BigInt(preSkip + totalSamples));
      await reader.drain();
      // The description comes from the one sequential pass, which has now read every chunk.
      const metadata = describeRecorder(raw, describeOptions);
      if (options.strictMetadata) checkMetadata(metadata, raw);
      if (options.recorderTimeExpansion === undefined && metadata.timeExpansion !== known.timeExpansion) {
        warnings.push(
          `GUANO TE ${metadata.timeExpansion} came after the audio of a stream: the audio was planned with TE ${known.timeExpansion}`,
        );
      }
      checkAgainstAudio(metadata, source.sampleRate, source.status.frames);
      if (source.status.truncatedAt !== null) {
        warnings.push(
          `the source is cut off at byte ${source.status.truncatedAt}: ${source.status.frames} frames were encoded`,
        );
      }
      for (const where of raw.afterAudio) {
        if (input instanceof Uint8Array || isByteSource(input)) continue;
        warnings.push(
          `the ${where === "guano" ? "GUANO" : "LIST/INFO"} metadata came after the audio in a stream: it is in the result but not in OpusTags`,
        );
      }
      return {
        source: {
          name: options.sourceName ?? null,
          byteLength: reader.position,
          sha256: hash.digestHex(),
          format: source.format,
          sampleRate: source.sampleRate,
          channels: source.channels,
          bitsPerSample: source.bitsPerSample,
          sampleFormat: source.sampleFormat,
          frames: source.status.frames,
          declaredFrames: source.declaredFrames,
          truncated: source.status.truncatedAt !== null,
          ...(source.status.md5Checked === undefined ? {} : { md5Checked: source.status.md5Checked }),
        },
        ratePlan: plan,
        opus: {
          totalSamples,
          preSkip,
          channels: source.channels,
          mappingFamily: layout.mappingFamily,
          streams: layout.streams,
          coupledStreams: layout.coupledStreams,
          serial,
          pages: writer.pages,
          packets: writer.packets,
          byteLength: writer.byteLength,
        },
        encoder: {
          name: "@granule/encode",
          version: PACKAGE_VERSION,
          libopus: OpusEncoder.libopusVersion,
          bitrate,
          frameSizeMs: settings.frameSizeMs,
          application: settings.application,
          complexity: settings.complexity,
          vbr: true,
        },
        metadata,
        tags,
        warnings: [...warnings, ...metadata.warnings],
      };
    } finally {
      encoder.free();
    }
  } finally {
    reader.cancel();
  }
}

/** Encodes into memory: for small files and tests (the Node entry's `encodeFile` streams to disk). */
export async function encodeToBytes(
  input: EncodeInput,
  options: EncodeOptions = {},
): Promise<{ bytes: Uint8Array; result: EncodeResult }> {
  const pages: Uint8Array[] = [];
  const result = await encode(input, (page) => void pages.push(page.slice()), options);
  const bytes = new Uint8Array(result.opus.byteLength);
  let at = 0;
  for (const page of pages) {
    bytes.set(page, at);
    at += page.length;
  }
  return { bytes, result };
}

function checkMetadata(metadata: RecorderMetadata, raw: RawMetadata): void {
  if (metadata.guano !== null && metadata.guano.problems.length > 0) {
    throw new EncodeError("bad-metadata", `GUANO: ${metadata.guano.problems.join("; ")}`, {
      ...(raw.guanoByteOffset === null ? {} : { byteOffset: raw.guanoByteOffset }),
    });
  }
}

function checkOptions(options: EncodeOptions): {
  frameSizeMs: number;
  application: OpusApplication;
  complexity: number;
  coupleStereo: boolean;
} {
  const frameSizeMs = options.frameSizeMs ?? 20;
  if (!FRAME_SIZES_MS.includes(frameSizeMs)) {
    throw new EncodeError(
      "invalid-argument",
      `frameSizeMs must be one of ${FRAME_SIZES_MS.join(", ")}, got ${frameSizeMs}`,
    );
  }
  const application = options.application ?? "audio";
  if (application !== "audio" && application !== "voip" && application !== "lowdelay") {
    throw new EncodeError(
      "invalid-argument",
      `application must be "audio", "voip" or "lowdelay", got ${String(application)}`,
    );
  }
  const complexity = options.complexity ?? 10;
  if (!Number.isInteger(complexity) || complexity < 0 || complexity > 10) {
    throw new EncodeError("invalid-argument", `complexity must be a whole number from 0 to 10, got ${complexity}`);
  }
  if (
    options.bitrate !== undefined &&
    (!Number.isInteger(options.bitrate) || options.bitrate < 500 || options.bitrate > 256000 * 255)
  ) {
    throw new EncodeError(
      "invalid-argument",
      `bitrate must be a whole number of bits per second from 500, got ${options.bitrate}`,
    );
  }
  if (
    options.serial !== undefined &&
    (!Number.isInteger(options.serial) || options.serial < 0 || options.serial > 0xffffffff)
  ) {
    throw new EncodeError("invalid-argument", `serial must be an integer from 0 to 2^32-1, got ${options.serial}`);
  }
  return { frameSizeMs, application, complexity, coupleStereo: options.coupleStereo ?? true };
}

async function openSource(
  reader: SequentialReader,
  input: EncodeInput,
  raw: RawMetadata,
  warnings: string[],
  options: EncodeOptions,
): Promise<OpenedSource> {
  const magic = await reader.peek(64);
  const id = String.fromCharCode(...magic.subarray(0, 4));
  const keepTruncated = options.keepTruncated ?? false;
  let tagRaw = raw;
  if (id === "RIFF" || id === "RF64" || id === "BW64") {
    // Metadata written after the audio (AudioMoth's guan) must be known before OpusTags: look
    // at the chunk layout first when the input allows random access.
    if (input instanceof Uint8Array || isByteSource(input)) {
      const source =
        input instanceof Uint8Array
          ? { size: input.length, read: async (o: number, n: number) => input.subarray(o, o + n) }
          : input;
      const look = new SkippingReader(source, options.signal);
      const preview = emptyRawMetadata();
      try {
        const { header, state } = await readWavHeader(look, preview, []);
        await look.skip(header.dataByteLength ?? Number.POSITIVE_INFINITY);
        await readWavTrailer(look, header, state, preview, []);
        tagRaw = preview;
      } catch {
        // The sequential pass below meets the same problem and reports it with its offset.
      }
    }
    const { header, state } = await readWavHeader(reader, raw, warnings);
    const status = { frames: 0, truncatedAt: null as number | null };
    return {
      tagRaw,
      format: header.container === "riff" ? "wav" : header.container,
      sampleRate: header.sampleRate,
      channels: header.channels,
      bitsPerSample: header.bitsPerSample,
      sampleFormat: header.sampleFormat === "f32" || header.sampleFormat === "f64" ? "float" : "int",
      declaredFrames: header.dataByteLength === null ? null : Math.floor(header.dataByteLength / header.blockAlign),
      frames: readWavFrames(reader, header, keepTruncated, status),
      status,
      finish: async () => {
        if (status.truncatedAt === null) await readWavTrailer(reader, header, state, raw, warnings);
      },
    };
  }
  let container: "flac" | "ogg-flac" | null = null;
  if (id === "fLaC") container = "flac";
  else if (id === "OggS") {
    const body = String.fromCharCode(...magic.subarray(28, 36));
    if (body.startsWith("\x7fFLAC")) container = "ogg-flac";
    else if (body === "OpusHead")
      throw new EncodeError("unsupported-format", "the input is Ogg Opus already: import it as it is", {
        byteOffset: 0,
      });
    else throw new EncodeError("unsupported-format", "an Ogg stream that is neither FLAC nor Opus", { byteOffset: 0 });
  }
  if (container === null) {
    throw new EncodeError(
      "unknown-format",
      "not WAV (RIFF/RF64/BW64), FLAC or Ogg FLAC: the file starts with other bytes",
      {
        byteOffset: 0,
      },
    );
  }
  const { header, consumed } = await readFlacHeader(reader, container, raw, warnings);
  const status = { frames: 0, truncatedAt: null as number | null, md5Checked: false };
  return flacSource(raw, header, readFlacFrames(reader, header, consumed, keepTruncated, status), status);
}

function flacSource(
  raw: RawMetadata,
  header: FlacHeader,
  frames: AsyncGenerator<Float32Array[]>,
  status: OpenedSource["status"],
): OpenedSource {
  return {
    tagRaw: raw,
    format: header.container,
    sampleRate: header.sampleRate,
    channels: header.channels,
    bitsPerSample: header.bitsPerSample,
    sampleFormat: "int",
    declaredFrames: header.totalFrames,
    frames,
    status,
    finish: async () => undefined,
  };
}

export type { WavHeader };

/** What a recorder's file is, from its headers and metadata alone (`probe`). */
export interface ProbeResult {
  format: SourceFormat;
  byteLength: number;
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  sampleFormat: "int" | "float";
  /** Frames (samples per channel) the header promises, when it says. */
  declaredFrames: number | null;
  /** How the audio would become Opus. */
  ratePlan: RatePlan;
  /** The recorder's metadata, with the same precedence as `encode`. */
  metadata: RecorderMetadata;
  warnings: string[];
}

/**
 * Reads a recorder's file's headers and metadata (WAV chunks before and after the audio,
 * FLAC's metadata blocks) without decoding its audio: what it is and what encoding would do
 * with it. Needs random access (a ByteSource or bytes) to see a WAV's trailing chunks.
 */
export async function probe(
  input: ByteSource | Uint8Array,
  options: Pick<EncodeOptions, "sourceName" | "parseFileName" | "recorderTimeExpansion" | "signal"> = {},
): Promise<ProbeResult> {
  const reader = new SequentialReader(input, jsSha256(), options.signal);
  const warnings: string[] = [];
  const source = await openSource(reader, input, emptyRawMetadata(), warnings, {});
  const metadata = describeRecorder(source.tagRaw, {
    ...(options.sourceName === undefined ? {} : { sourceName: options.sourceName }),
    ...(options.parseFileName === undefined ? {} : { parseFileName: options.parseFileName }),
  });
  return {
    format: source.format,
    byteLength: input instanceof Uint8Array ? input.length : input.size,
    sampleRate: source.sampleRate,
    channels: source.channels,
    bitsPerSample: source.bitsPerSample,
    sampleFormat: source.sampleFormat,
    declaredFrames: source.declaredFrames,
    ratePlan: planRate(source.sampleRate, {
      recorderTimeExpansion: options.recorderTimeExpansion ?? metadata.timeExpansion,
    }),
    metadata,
    warnings: [...warnings, ...metadata.warnings],
  };
}
