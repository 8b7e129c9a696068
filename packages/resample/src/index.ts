export { ResampleError, type ResampleErrorCode } from "./errors.ts";
export { QUALITY_PRESETS, type Quality, type QualityName, type QualitySpec } from "./quality.ts";
export { MAX_RATE, outputLength } from "./rates.ts";
export {
  contextSamples,
  describeFilter,
  type FilterInfo,
  type ResampleOptions,
  resample,
  resampleSegment,
  type SegmentOptions,
} from "./resample.ts";
export { createResampler, type Resampler, type ResamplerOptions } from "./resampler.ts";
