import { CommanderError } from "commander";
import { EXIT_BAD_DATA, EXIT_OK, EXIT_USAGE, Interrupted, UsageError } from "./usage-error.ts";

/** Bad-data errors of the granule packages: a name and a code, maybe a byte offset. */
const DATA_ERRORS = new Set([
  "OggError",
  "OpusError",
  "ExtractError",
  "ArchiveError",
  "ByteSourceError",
  "TimelineError",
  "SpectrogramError",
]);

/** Codes of those errors that mean the call itself was wrong: exit 2, as for usage errors. */
const USAGE_CODES = new Set(["invalid-argument", "invalid-id", "ambiguous-device", "does-not-fit", "too-short"]);

/**
 * What each `ByteSourceError` code means, said first: a fault of the server or the network
 * (exit 1), never damage in the file or archive. The message goes on with the URL and range.
 */
const SOURCE_FAULTS: Record<string, string> = {
  timeout: "the server did not answer in time",
  "server-error": "the server failed",
  "connection-failed": "could not reach the server",
  "bad-range-response": "the server answered with other bytes than those asked for",
  changed: "the file on the server changed while it was being read",
  "premature-end": "the server's answer ended early",
  "too-large": "the server's answer is larger than allowed",
  "not-found": "not found on the server",
  "too-many-redirects": "the server redirected too many times",
  "http-status": "the server refused the request",
};

/**
 * Operating-system errors, wherever they occur (a path the user named, or a file inside an
 * archive): one message and one exit code each. A path the call names but cannot use is a
 * usage error (2); the machine failing (a full disk, an I/O error) is exit 1.
 */
const OS_ERRORS: Record<string, { says: string; exit: number }> = {
  ENOENT: { says: "no such file or directory", exit: EXIT_USAGE },
  ENOTDIR: { says: "not a directory", exit: EXIT_USAGE },
  EISDIR: { says: "is a directory", exit: EXIT_USAGE },
  EACCES: { says: "permission denied", exit: EXIT_USAGE },
  EPERM: { says: "operation not permitted", exit: EXIT_USAGE },
  EROFS: { says: "read-only file system", exit: EXIT_USAGE },
  EEXIST: { says: "already exists", exit: EXIT_USAGE },
  ELOOP: { says: "too many symbolic links", exit: EXIT_USAGE },
  ENAMETOOLONG: { says: "name too long", exit: EXIT_USAGE },
  ENOSPC: { says: "no space left on the device", exit: EXIT_BAD_DATA },
  EDQUOT: { says: "disk quota exceeded", exit: EXIT_BAD_DATA },
  EIO: { says: "input/output error", exit: EXIT_BAD_DATA },
  EMFILE: { says: "too many open files", exit: EXIT_BAD_DATA },
};

/**
 * Prints an error as one or two lines (a stack trace only with --debug) and gives its exit
 * code: 2 for mistakes in the call (and for arguments a library refused), 1 for bad data,
 * 130/143 when interrupted.
 */
export function reportError(error: unknown, debug: boolean, write: (text: string) => void): number {
  if (error instanceof CommanderError) {
    // commander has printed its own message already.
    return error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.exitCode === 0
      ? EXIT_OK
      : EXIT_USAGE;
  }
  const { message, code } = describeError(error, debug);
  write(`granule: ${message}\n`);
  const stack = (error as Error | undefined)?.stack;
  if (debug && stack) write(`${stack}\n`);
  return code;
}

/** An error's message for people and its exit code: the one mapping every command uses. */
export function describeError(error: unknown, debug = false): { message: string; code: number } {
  const e = error as Error & { code?: string; byteOffset?: number };
  let code: number;
  let message = e?.message ?? String(error);
  const os = osError(error);
  if (error instanceof Interrupted) {
    code = error.exitCode;
  } else if (os !== undefined) {
    const known = OS_ERRORS[os.code]!;
    code = known.exit;
    message = `${os.path === undefined ? "" : `${userPath(os.path)}: `}${known.says}`;
  } else if (error instanceof UsageError || error instanceof RangeError) {
    code = EXIT_USAGE;
  } else if (DATA_ERRORS.has(e?.name) && USAGE_CODES.has(e.code ?? "")) {
    code = EXIT_USAGE;
  } else if (e?.name === "ByteSourceError" && SOURCE_FAULTS[e.code ?? ""] !== undefined) {
    code = EXIT_BAD_DATA;
    message = `${SOURCE_FAULTS[e.code!]}: ${message}`;
  } else if (DATA_ERRORS.has(e?.name)) {
    code = EXIT_BAD_DATA;
  } else {
    code = EXIT_BAD_DATA;
    message = `unexpected error: ${message}${debug ? "" : " (run with --debug for details)"}`;
  }
  return { message: cliWords(message), code };
}

/** Library option names in messages, as the command line spells them. */
function cliWords(message: string): string {
  return message
    .replace(/\bpass fillHoles\b/g, "pass --fill-holes")
    .replace(/\bpass fillGaps\b/g, "pass --fill-gaps")
    .replace(/\bsay which device\b/g, "say which with --device")
    .replace(/\bdeviceId null\b/g, "--no-device")
    .replace(/\bfillHoles\b/g, "--fill-holes")
    .replace(/\boriginalSampleRate\b/g, "--original-rate")
    .replace(/\bacceptResampledSource\b/g, "--accept-resampled");
}

/** The operating-system error behind `error` (itself or a cause), if it is one of OS_ERRORS. */
function osError(error: unknown): { code: string; path: string | undefined } | undefined {
  for (let at: unknown = error, depth = 0; at instanceof Error && depth < 5; at = at.cause, depth++) {
    const { code, path } = at as NodeJS.ErrnoException;
    if (typeof code === "string" && code in OS_ERRORS && (at as { syscall?: unknown }).syscall !== undefined) {
      return { code, path };
    }
  }
  return undefined;
}

/**
 * A path as the user knows it: an archive's internal temporary folders (`.importing-...`) and
 * what lies below them are the archive's business, so the path stops before them.
 */
function userPath(path: string): string {
  const parts = path.split("/");
  const hidden = parts.findIndex((part) => /^\.(importing|deleting)-/.test(part) || /\.part$|\.tmp$/.test(part));
  return hidden > 0 ? parts.slice(0, hidden).join("/") : path;
}
