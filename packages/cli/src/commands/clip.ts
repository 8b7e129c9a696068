import { clip, ExtractError } from "@granule/extract";
import { outputExists, refuseSourceAsOutput, writeOutput } from "../output-file.ts";
import type { CommandContext } from "../program/context.ts";
import { noteSparseRead, type OpenedSource, openSource, originalRate, warnOn } from "../source.ts";
import { preRollSamples as preRollFrom } from "../time.ts";
import { UsageError } from "../usage-error.ts";
import { checkRange, type RangeArguments, rangeOf, rangesToRead, writeStdout } from "./extract.ts";

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
  const opened = await openSource(source, {
    onWarning: warnOn(context.io),
    ...(rate === undefined ? {} : { sampleRate: rate }),
    ...rangesToRead(options),
  });
  noteSparseRead(opened, (text) => context.note(text));
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

/** OpusHead's pre-skip is a u16 of 48 kHz samples. */
const MAX_PRE_SKIP = 0xffff;

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
  const bytes = await clip(opened.recording, range, preRollSamples === undefined ? {} : { preRollSamples }).catch(
    (error: unknown) => {
      // The pre-roll becomes the clip's pre-skip, a 16-bit count of 48 kHz samples: say so in
      // the option's unit, milliseconds.
      const needed = error instanceof ExtractError && /pre-skip of (\d+) samples/.exec(error.message)?.[1];
      if (!needed) throw error;
      throw new UsageError(
        `--pre-roll ${args.preRoll ?? "500"} ms: this clip would need a pre-skip of ${(Number(needed) / 48).toFixed(1)} ms, and a clip holds at most ${Math.floor(MAX_PRE_SKIP / 48)} ms; use a shorter --pre-roll`,
      );
    },
  );
  if (args.output === "-") await writeStdout(bytes);
  else await writeOutput(args.output, bytes, { overwrite: args.overwrite ?? false });
  return { path: args.output, byteLength: bytes.length, ...range };
}
