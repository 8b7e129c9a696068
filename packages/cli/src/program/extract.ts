import { Option } from "commander";
import type { ExtractArguments } from "../commands/extract.ts";
import type { TimelineArguments } from "../commands/extract-timeline.ts";
import type { RegisterCommand } from "./context.ts";

export const registerExtract: RegisterCommand = (program, context) => {
  program
    .command("extract")
    .description("write exactly the samples asked for: one range or every row of a CSV")
    .argument(
      "<source>",
      "a .opus/.ogg file, archive.zarr/<id>, an archive (with UTC --start/--end), or an http(s):// URL",
    )
    .option("--start <time>", "start: seconds, hh:mm:ss.sss, or with a unit (1500ms)")
    .option("--end <time>", "end (exclusive)")
    .option("--start-sample <n>", "start sample")
    .option("--end-sample <n>", "end sample (exclusive)")
    .option("--segments <csv>", "a CSV of segments: start,end or start_sample,end_sample, and optional name")
    .option("-o, --output <file>", "output file for one range; - for stdout")
    .option("--out-dir <dir>", "directory for one file per segment")
    .addOption(
      new Option(
        "--format <format>",
        "wav, or raw little-endian interleaved f32 / s16 (default: from the -o extension, else wav)",
      ).choices(["wav", "f32", "s16"]),
    )
    .option("--overwrite", "replace output files that exist (default: refuse)")
    .option("--float", "32-bit float WAV instead of 16-bit PCM")
    .option("--pre-roll <ms>", "decoder pre-roll in milliseconds (default 500)")
    .option("--workers <n>", "decode workers (default: one per core for 16 or more decode windows, else none)")
    .option("--fill-holes", "silence where the file lost samples, instead of an error")
    .option("--original-rate <hz>", "true rate of a time-expanded plain file (e.g. 384000); archives know theirs")
    .option("--sample-rate <hz>", "resample the output to this rate")
    .option("--device <id>", "from an archive by UTC time: the device whose recordings to read")
    .option("--fill-gaps", "from an archive by UTC time: silence where no recording covers the range")
    .option("--join-tolerance <ms>", "from an archive by UTC time: recordings this close are joined (default 1)")
    .option("--json", "print what was written as JSON")
    .action(async (source: string, options: ExtractArguments & TimelineArguments & { json?: boolean }) => {
      const { runExtractCommand } = await import("../commands/extract.ts");
      await runExtractCommand(source, options, context);
    });
};
