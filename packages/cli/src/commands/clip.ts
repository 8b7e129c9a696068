import { clip } from "@granule/extract";
import { outputExists, refuseSourceAsOutput, writeOutput } from "../output-file.ts";
import type { CommandContext } from "../program/context.ts";
import { type OpenedSource, openSource, originalRate } from "../source.ts";
import { preRollSamples as preRollFrom } from "../time.ts";
import { UsageError } from "../usage-error.ts";
import { checkRange, type RangeArguments, rangeOf, writeStdout } from "./extract.ts";

export interface ClipArguments extends RangeArguments {
  output?: string;
  preRoll?: string;
  overwrite?: boolean;
  originalRate?: string;
}

export async function runClipCommand(
  source: string,
  options: ClipArguments & { json?: boolean },
  context: CommandContext,
): Promise<void> {
  if (options.output === "-" && options.json) {
    throw new UsageError("-o - writes the clip to stdout, so --json cannot go there too: choose one");
  }
  const rate = originalRate(options.originalRate);
  const opened = await openSource(source, rate === undefined ? {} : { sampleRate: rate });
  try {
    const result = await runClip(opened, options);
    if (options.json) context.json(result);
    else if (options.output !== "-") {
      context.io.out(`${result.path}: ${result.byteLength} bytes, samples ${result.startSample}-${result.endSample}\n`);
    }
  } finally {
    await opened.close();
  }
}

/** `granule clip`: a stream-copy clip, to a file or stdout; returns what it wrote. */
export async function runClip(
  opened: OpenedSource,
  args: ClipArguments,
): Promise<{ path: string; byteLength: number; startSample: number; endSample: number }> {
  if (args.output === undefined) throw new UsageError("say where to write the clip: -o clip.opus (- for stdout)");
  if (opened.kind === "file") await refuseSourceAsOutput(args.output, opened.name);
  if (args.output !== "-" && !(args.overwrite ?? false) && (await outputExists(args.output))) {
    throw new UsageError(`${args.output} exists: pass --overwrite to replace it`);
  }
  const range = rangeOf(args, opened.recording.sampleRate);
  checkRange(range, opened);
  const preRollSamples = preRollFrom(args.preRoll);
  const bytes = await clip(opened.recording, range, preRollSamples === undefined ? {} : { preRollSamples });
  if (args.output === "-") await writeStdout(bytes);
  else await writeOutput(args.output, bytes, { overwrite: args.overwrite ?? false });
  return { path: args.output, byteLength: bytes.length, ...range };
}
