import type { Command } from "commander";

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

/** What every command's action gets: output, the exit code to set, and the global options. */
export interface CommandContext {
  readonly io: Io;
  readonly state: { exitCode: number };
  /** --quiet: no progress bars or summaries on stderr. */
  quiet(): boolean;
  /** Prints one JSON document on stdout. */
  json(value: unknown): void;
  /** A line for people on stderr (not with --quiet). */
  note(text: string): void;
  /** Aborted when the run is interrupted (Ctrl-C): pass it to every long operation. */
  readonly signal: AbortSignal;
}

/**
 * One command: its options and help (loaded at start, cheap: only commander), and an action
 * that imports its implementation when it runs, so a command loads only what it uses.
 */
export type RegisterCommand = (program: Command, context: CommandContext) => void;

/** For repeatable options: `--meta a=1 --meta b=2`. */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];
