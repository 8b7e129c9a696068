export { type ClipOptions, clip } from "./clip.ts";
export { type DecodeWorker, type DecodeWorkerFactory, inProcessDecoder } from "./decoder-pool.ts";
export { ExtractError, type ExtractErrorCode } from "./errors.ts";
export {
  DEFAULT_PRE_ROLL_SAMPLES,
  type ExtractOptions,
  type ExtractProgress,
  extract,
  extractEach,
  extractMany,
  type Segment,
} from "./extract.ts";
export { encodeNpy, encodeNpyHeader, type NpyDtype, NpyStream } from "./npy.ts";
export type { SegmentRange } from "./plan-windows.ts";
export { interleave, toInt16 } from "./samples.ts";
export { encodeRaw, encodeWav, type WavFormat, type WavOptions } from "./wav.ts";
export { webDecoderFactory } from "./web-worker.ts";
export { WindowDecoder } from "./window-decoder.ts";
