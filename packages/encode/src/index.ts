export {
  type AudioMothComment,
  type AudioMothGain,
  type AudioMothStopReason,
  parseAudioMothArtist,
  parseAudioMothComment,
} from "./audiomoth-comment.ts";
export type { EncodeInput } from "./byte-reader.ts";
export {
  DEFAULT_BITRATE_PER_CHANNEL,
  type EncodeOptions,
  type EncodeProgress,
  type EncodeResult,
  encode,
  encodeToBytes,
  type ProbeResult,
  probe,
  type SourceFormat,
} from "./encode.ts";
export { EncodeError, type EncodeErrorCode, type EncodeErrorDetails } from "./errors.ts";
export { type Guano, type GuanoField, parseGuano, parseGuanoTimestamp } from "./guano.ts";
export type { PageSink } from "./ogg-opus-writer.ts";
export type { OpusApplication } from "./opus-encoder.ts";
export { type ChannelLayout, channelLayout } from "./opus-headers.ts";
export {
  NATIVE_OPUS_RATES,
  OPUS_RATE,
  planRate,
  type RatePlan,
  type RatePlanOptions,
  resampledLength,
  timelineSamples,
} from "./rate-plan.ts";
export type { RawMetadata } from "./raw-metadata.ts";
export {
  describeRecorder,
  type FileNameParser,
  type MetadataConflict,
  type MetadataSource,
  type RecorderMetadata,
} from "./recorder-metadata.ts";
export type { Resampler, ResamplerFactory } from "./resampler.ts";
export { jsSha256, type Sha256, type Sha256Factory } from "./sha256.ts";
