import { writeFile } from "node:fs/promises";
import { clip } from "@granule/extract";
import type { OpenedSource } from "../source.ts";
import { UsageError } from "../usage-error.ts";
import { checkRange, type RangeArguments, rangeOf } from "./extract.ts";

export interface ClipArguments extends RangeArguments {
  output?: string;
  preRoll?: string;
}

/** `granule clip`: a stream-copy clip; returns its size. */
export async function runClip(
  opened: OpenedSource,
  args: ClipArguments,
): Promise<{ path: string; byteLength: number; startSample: number; endSample: number }> {
  if (args.output === undefined) throw new UsageError("say where to write the clip: -o clip.opus");
  const range = rangeOf(args, opened.recording.sampleRate);
  checkRange(range, opened);
  const preRollSamples = args.preRoll === undefined ? undefined : Math.round(Number(args.preRoll) * 48);
  if (preRollSamples !== undefined && !(preRollSamples >= 0))
    throw new UsageError(`--pre-roll "${args.preRoll}" is not a number of milliseconds`);
  const bytes = await clip(opened.recording, range, preRollSamples === undefined ? {} : { preRollSamples });
  await writeFile(args.output, bytes);
  return { path: args.output, byteLength: bytes.length, ...range };
}
