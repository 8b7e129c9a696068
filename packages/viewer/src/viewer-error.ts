export type ViewerErrorCode = "invalid-argument" | "not-a-collection" | "not-built" | "listen-failed";

/** A viewer server that cannot start as asked: `code` says why, the message with what. */
export class ViewerError extends Error {
  override readonly name = "ViewerError";

  constructor(
    readonly code: ViewerErrorCode,
    message: string,
  ) {
    super(message);
  }
}
