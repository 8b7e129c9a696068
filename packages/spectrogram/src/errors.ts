export type SpectrogramErrorCode = "invalid-argument" | "too-short";

/** A spectrogram that cannot be made as asked: `code` says why, the message says with what. */
export class SpectrogramError extends Error {
  override readonly name = "SpectrogramError";

  constructor(
    readonly code: SpectrogramErrorCode,
    message: string,
  ) {
    super(message);
  }
}
