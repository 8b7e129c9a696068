/** What went wrong while extracting, as a string a caller can switch on. */
export type ExtractErrorCode =
  /** The samples asked for touch a hole or damaged page listed by the index. */
  | "damaged"
  /** A segment spans chained links with different channel counts. */
  | "links-differ"
  /**
   * The decoder could not decode a packet: libopus refused it, it is larger than the decoder
   * accepts, or the WASM decoder trapped or overflowed its stack on it (see `wasm-layout.ts`).
   */
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

/** Why a `WindowDecoder` stopped. */
export type DecoderFaultKind =
  /** An empty packet, or one over the decoder's 3,840 bytes per channel. */
  | "packet-size"
  /** libopus returned an error code (`OPUS_INVALID_PACKET`, say). */
  | "libopus-error"
  /** The WASM code trapped (divide by zero, memory access out of bounds). */
  | "trap"
  /** The WASM stack ran into the static data: the instance's memory is corrupt. */
  | "stack-overflow";

/**
 * A `decode-failed` from a `WindowDecoder`, with the index of the packet (in the packets given
 * to `decodeInto`) where it showed, or -1 when only the end of the call showed it.
 * `decodeWindow` turns it into an `ExtractError` that names the packet's byte offset.
 */
export class DecoderFault extends ExtractError {
  readonly kind: DecoderFaultKind;
  readonly packetIndex: number;

  constructor(kind: DecoderFaultKind, packetIndex: number, message: string, cause?: unknown) {
    super("decode-failed", message, cause === undefined ? {} : { cause });
    this.kind = kind;
    this.packetIndex = packetIndex;
  }
}
