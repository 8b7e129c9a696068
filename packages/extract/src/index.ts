export { type ClipOptions, clip } from "./clip.ts";
export {
  capDecodeWorkers,
  defaultDecodeWorkers,
  MAX_DECODE_WORKERS,
  MIN_WINDOWS_FOR_WORKERS,
  runtimeParallelism,
} from "./decode-workers.ts";
export { type DecodeWorker, type DecodeWorkerFactory, inProcessDecoder, warmUpDecoder } from "./decoder-pool.ts";
export { ExtractError, type ExtractErrorCode } from "./errors.ts";
export {
  DEFAULT_PRE_ROLL_SAMPLES,
  type ExtractOptions,
  type ExtractProgress,
  extract,
  extractEach,
  extractMany,
  MIN_SPLIT_SAMPLES,
  type Segment,
} from "./extract.ts";
export { extractStream, type PcmChunk, type SegmentStream } from "./extract-stream.ts";
export { encodeNpy, encodeNpyHeader, type NpyDtype, NpyStream } from "./npy.ts";
export type { SegmentRange } from "./plan-windows.ts";
export { interleave, toInt16 } from "./samples.ts";
export {
  encodeRaw,
  encodeWav,
  type WavFormat,
  type WavLayout,
  type WavOptions,
  wavData,
  wavHeader,
} from "./wav.ts";
export { rawStream, type WavSource, wavStream } from "./wav-stream.ts";
export { webDecoderFactory } from "./web-worker.ts";
export { WindowDecoder } from "./window-decoder.ts";
