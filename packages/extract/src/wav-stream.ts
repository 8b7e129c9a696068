import { ExtractError } from "./errors.ts";
import type { PcmChunk, SegmentStream } from "./extract-stream.ts";
import { encodeRaw, type WavFormat, wavData, wavHeader } from "./wav.ts";

/** What `wavStream` needs to know of a stream: a `SegmentStream` has it. */
export type WavSource = AsyncIterable<PcmChunk> &
  Pick<SegmentStream, "startSample" | "endSample" | "channelCount" | "sampleRate" | "mappingFamily">;

/**
 * A WAV file as byte chunks: the header first (its sizes are known before decoding; RF64 over
 * 4 GiB), then each chunk's samples as they come. The bytes are those of `encodeWav` of the
 * whole segment. Fails, instead of writing a file that lies, if the chunks do not follow on
 * from each other or do not add up to the samples the header promised.
 */
export async function* wavStream(source: WavSource, options: { format?: WavFormat } = {}): AsyncGenerator<Uint8Array> {
  const format = options.format ?? "s16";
  const wav = { format, mappingFamily: source.mappingFamily };
  yield wavHeader({
    ...wav,
    channelCount: source.channelCount,
    sampleRate: source.sampleRate,
    frameCount: source.endSample - source.startSample,
  });
  for await (const chunk of checkedChunks(source, source.channelCount)) yield wavData(chunk.channels, wav);
}

/** Raw little-endian interleaved samples (`encodeRaw`) as byte chunks. */
export async function* rawStream(
  source: AsyncIterable<PcmChunk> & Partial<Pick<SegmentStream, "startSample" | "endSample" | "channelCount">>,
  format: WavFormat = "f32",
): AsyncGenerator<Uint8Array> {
  for await (const chunk of checkedChunks(source, source.channelCount)) yield encodeRaw(chunk.channels, format);
}

/** The chunks, checked to follow on from each other from `startSample` to `endSample` when given. */
async function* checkedChunks(
  source: AsyncIterable<PcmChunk> & { startSample?: number; endSample?: number },
  channelCount: number | undefined,
): AsyncGenerator<PcmChunk> {
  let at = source.startSample;
  for await (const chunk of source) {
    if (at !== undefined && chunk.startSample !== at) {
      throw new ExtractError("invalid-argument", `a chunk starts at sample ${chunk.startSample}, expected ${at}`, {
        startSample: chunk.startSample,
      });
    }
    const length = chunk.channels[0]?.length ?? 0;
    if (
      (channelCount !== undefined && chunk.channels.length !== channelCount) ||
      chunk.channels.some((c) => c.length !== length)
    ) {
      throw new ExtractError(
        "invalid-argument",
        `the chunk at sample ${chunk.startSample} has ${chunk.channels.length} channels of ${chunk.channels.map((c) => c.length).join("/")} samples, expected ${channelCount ?? "equal"}`,
        { startSample: chunk.startSample },
      );
    }
    at = chunk.startSample + length;
    if (source.endSample !== undefined && at > source.endSample) {
      throw new ExtractError("invalid-argument", `the chunks run past the end, sample ${source.endSample}`, {
        startSample: chunk.startSample,
      });
    }
    yield chunk;
  }
  if (source.endSample !== undefined && at !== source.endSample) {
    throw new ExtractError(
      "invalid-argument",
      `the chunks ended at sample ${at}, before the end the header promised, sample ${source.endSample}`,
      { startSample: at ?? 0, endSample: source.endSample },
    );
  }
}
