/** A mistake in how the command was called: exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/**
 * The run was stopped by a signal (Ctrl-C, SIGTERM): what was cleaned up is in the message.
 * Exit 128 + the signal's number, as shells do (130 for SIGINT).
 */
export class Interrupted extends Error {
  override readonly name = "Interrupted";
  constructor(
    readonly signalName: "SIGINT" | "SIGTERM",
    message = `interrupted (${signalName})`,
  ) {
    super(message);
  }

  get exitCode(): number {
    return this.signalName === "SIGINT" ? 130 : 143;
  }
}

/** Exit codes: 0 success, 1 bad data or a failed check, 2 a usage error (130/143 interrupted). */
export const EXIT_OK = 0;
export const EXIT_BAD_DATA = 1;
export const EXIT_USAGE = 2;
