import type { RecordingSelection } from "@granule/timeline";
import { deviceOf } from "./device-option.ts";
import { UsageError } from "./usage-error.ts";
import { parseUtcTime } from "./utc-time.ts";

/** `--from`, `--to`, `--device` and `--meta key=value` (repeatable): which recordings of an archive. */
export interface SelectionArguments {
  from?: string;
  to?: string;
  /** `--device ID`, or false for `--no-device` (see `deviceOf`). */
  device?: string | false;
  meta?: string[];
}

/** The selection the options give (times checked: UTC with `Z`, or local with an offset). */
export function selectionOf(args: SelectionArguments): RecordingSelection {
  const selection: RecordingSelection = {};
  if (args.from !== undefined) selection.from = parseUtcTime(args.from, "--from");
  if (args.to !== undefined) selection.to = parseUtcTime(args.to, "--to");
  if (selection.from !== undefined && selection.to !== undefined && !(selection.from < selection.to)) {
    throw new UsageError(`--from ${args.from} must come before --to ${args.to}`);
  }
  if (args.device !== undefined) selection.deviceId = deviceOf(args.device);
  const metadata: Record<string, string> = {};
  for (const pair of args.meta ?? []) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new UsageError(`--meta "${pair}" is not key=value`);
    const key = pair.slice(0, at);
    const value = pair.slice(at + 1);
    if (Object.hasOwn(metadata, key) && metadata[key] !== value) {
      // All must match, and a recording holds one value per key: no recording could.
      throw new UsageError(
        `--meta ${key} is given twice, as "${metadata[key]}" and "${value}": a recording has one value per key`,
      );
    }
    metadata[key] = value;
  }
  if (Object.keys(metadata).length > 0) selection.metadata = metadata;
  return selection;
}
