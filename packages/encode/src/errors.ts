export type EncodeErrorCode =
  /** The input is neither WAV (RIFF, RF64, BW64), FLAC nor Ogg FLAC. */
  | "unknown-format"
  /** A format the encoder does not read: an audio codec inside WAV (ADPCM, MP3), Ogg Opus or Vorbis. */
  | "unsupported-format"
  /** A header that contradicts itself or the file: fmt fields, ds64, STREAMINFO, chunk layout. */
  | "bad-header"
  /** The audio ends before its header says it does (a cut-off file, a partial last frame). */
  | "truncated"
  /** A data chunk (or FLAC stream) with no audio in it. */
  | "empty"
  /** Audio bytes that do not decode: FLAC frames with bad CRCs, lost sync, wrong lengths. */
  | "bad-data"
  /** Metadata that is present but unreadable, when `strictMetadata` asks for an error. */
  | "bad-metadata"
  /** libopus refused a setting or failed to encode. */
  | "encoder-failed"
  /** Options that make no sense (a bitrate of -1, 7 ms frames, a resampler that is missing). */
  | "invalid-argument"
  /** The byte source or stream failed, or returned fewer bytes than asked. */
  | "read-failed";

export interface EncodeErrorDetails {
  /** Where in the source the problem is, when it has a place. */
  byteOffset?: number;
  cause?: unknown;
}

/** Everything `@granule/encode` throws on bad input or bad options; `code` says which case. */
export class EncodeError extends Error {
  override readonly name = "EncodeError";
  readonly code: EncodeErrorCode;
  readonly byteOffset: number | undefined;

  constructor(code: EncodeErrorCode, message: string, details: EncodeErrorDetails = {}) {
    super(details.byteOffset === undefined ? message : `${message} (at byte ${details.byteOffset})`, {
      cause: details.cause,
    });
    this.code = code;
    this.byteOffset = details.byteOffset;
  }
}
