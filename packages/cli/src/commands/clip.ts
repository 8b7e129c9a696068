import { writeFile } from "node:fs/promises";
import { clip } from "@granule/extract";
import type { OpenedSource } from "../source.ts";
import { preRollSamples as preRollFrom } from "../time.ts";
import { UsageError } from "../usage-error.ts";
import { checkRange, type RangeArguments, rangeOf, writeStdout } from "./extract.ts";

export interface ClipArguments extends RangeArguments {
  output?: string;
  preRoll?: string;
}

/** `granule clip`: a stream-copy clip, to a file or stdout; returns what it wrote. */
export async function runClip(
  opened: OpenedSource,
  args: ClipArguments,
): Promise<{ path: string; byteLength: number; startSample: number; endSample: number }> {
  if (args.output === undefined) throw new UsageError("say where to write the clip: -o clip.opus (- for stdout)");
  const range = rangeOf(args, opened.recording.sampleRate);
  checkRange(range, opened);
  const preRollSamples = preRollFrom(args.preRoll);
  const bytes = await clip(opened.recording, range, preRollSamples === undefined ? {} : { preRollSamples });
  if (args.output === "-") await writeStdout(bytes);
  else await writeFile(args.output, bytes);
  return { path: args.output, byteLength: bytes.length, ...range };
}
