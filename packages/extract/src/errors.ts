/** What went wrong while extracting, as a string a caller can switch on. */
export type ExtractErrorCode =
  /** The samples asked for touch a hole or damaged page listed by the index. */
  | "damaged"
  /** A segment spans chained links with different channel counts. */
  | "links-differ"
  /** libopus refused a packet, or a packet is larger than a decoder accepts. */
  | "decode-failed"
  /** The bytes read do not hold the packets the index promised (the file changed?). */
  | "bad-data"
  /** An option is outside what the function accepts. */
  | "invalid-argument";

export interface ExtractErrorDetails {
  byteOffset?: number;
  startSample?: number;
  endSample?: number;
  cause?: unknown;
}

/** The error type of this package (sample ranges the caller got wrong are `RangeError`s). */
export class ExtractError extends Error {
  override readonly name = "ExtractError";
  readonly code: ExtractErrorCode;
  readonly byteOffset: number | undefined;
  readonly startSample: number | undefined;
  readonly endSample: number | undefined;

  constructor(code: ExtractErrorCode, message: string, details: ExtractErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.byteOffset = details.byteOffset;
    this.startSample = details.startSample;
    this.endSample = details.endSample;
  }
}
