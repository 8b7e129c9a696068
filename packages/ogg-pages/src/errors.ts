/** What went wrong, as a string a caller can switch on. */
export type OggErrorCode =
  /** Bytes where a page should start do not hold the capture pattern `OggS`. */
  | "no-capture-pattern"
  /** The stream structure version is not 0. */
  | "bad-version"
  /** Reserved header flag bits (0xF8) are set. */
  | "bad-flags"
  /** The page's CRC does not match its bytes. */
  | "crc"
  /** The data ends inside a page header, lacing table or body. */
  | "truncated"
  /** A page sequence number was skipped: at least one page of that stream is missing. */
  | "sequence-gap"
  /** A page's sequence number is not after the previous page of its stream: repeated or out of order. */
  | "sequence-back"
  /** A continued packet lost its beginning or its end, so it cannot be reassembled. */
  | "broken-continuation"
  /** A packet grew beyond the `maxPacketByteLength` limit of the packet assembler. */
  | "packet-too-large"
  /** An argument or option is outside what the function accepts. */
  | "invalid-argument";

/**
 * The one error type of this package. `byteOffset` is the absolute position in the input
 * where the problem was found (the start of the page concerned, where there is one).
 */
export class OggError extends Error {
  override readonly name = "OggError";
  readonly code: OggErrorCode;
  readonly byteOffset: number;

  constructor(code: OggErrorCode, message: string, byteOffset: number) {
    super(`${message} (at byte ${byteOffset})`);
    this.code = code;
    this.byteOffset = byteOffset;
  }
}
