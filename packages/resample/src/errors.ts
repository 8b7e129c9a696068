/** What went wrong, as a string a caller can switch on. */
export type ResampleErrorCode =
  /** A sample rate is not a positive integer within the supported range. */
  | "invalid-rate"
  /** The channel count is not a positive integer, or no channels were given. */
  | "invalid-channels"
  /** A chunk has a different number of channels than the resampler was made for. */
  | "channel-count"
  /** The channels of one chunk or signal do not all have the same length. */
  | "channel-length"
  /** The quality is neither a preset name nor a valid filter specification. */
  | "invalid-quality"
  /** A segment's offset or length is not a whole number of samples inside the input. */
  | "invalid-segment"
  /** A length or count is not a safe non-negative integer. */
  | "invalid-length"
  /** `push` or `flush` was called on a resampler that was already flushed. */
  | "ended";

/** The one error type of this package. */
export class ResampleError extends Error {
  override readonly name = "ResampleError";
  readonly code: ResampleErrorCode;

  constructor(code: ResampleErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
