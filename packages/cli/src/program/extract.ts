import { Option } from "commander";
import type { ExtractArguments } from "../commands/extract.ts";
import type { TimelineArguments } from "../commands/extract-timeline.ts";
import type { RegisterCommand } from "./context.ts";
import { segmentsEncodingOption, segmentsFormatOption } from "./segments-options.ts";

export const registerExtract: RegisterCommand = (program, context) => {
  program
    .command("extract")
    .description("write exactly the samples asked for: one range, every row of a label table, or fixed windows")
    .argument(
      "<source>",
      "a .opus/.ogg file, archive.zarr/<id>, a whole archive (with --segments, --window, or UTC --start/--end), or an http(s):// URL",
    )
    .option(
      "--start <time>",
      "start: seconds, hh:mm:ss.sss, or with a unit (1500ms); for an archive, UTC (2025-04-16T05:40:00Z)",
    )
    .option("--end <time>", "end (exclusive)")
    .option("--start-sample <n>", "start sample")
    .option("--end-sample <n>", "end sample (exclusive)")
    .option(
      "--segments <table>",
      "a label table: Raven, Audacity, BirdNET, Kaleidoscope, or CSV (start,end / start_sample,end_sample / start_utc,end_utc)",
    )
    .addOption(segmentsFormatOption())
    .addOption(segmentsEncodingOption())
    .option("--name <template>", "output names, e.g. {label}/{recording}-{start_sample} or {fields.Species}_{n}")
    .option("--clip-to-end", "cut rows that run past their recording's end at the end (reported)")
    .option("--skip-invalid", "leave out rows that cannot be extracted (past the end, unknown recording), reported")
    .option(
      "--window <time>",
      "fixed windows of this length over the recording or the range; over an archive, on each device's timeline (across joined recordings, never across a gap)",
    )
    .option("--hop <time>", "from one window's start to the next (default: the window)")
    .option("-o, --output <file>", "output file for one range; - for stdout")
    .option("--out-dir <dir>", "directory for one file per segment")
    .addOption(
      new Option(
        "--format <format>",
        "wav, raw little-endian interleaved f32 / s16, or npy float32 (channels, samples) (default: from the -o extension, else wav)",
      ).choices(["wav", "f32", "s16", "npy"]),
    )
    .option("--stack", "with --format npy: one (N, channels, samples) float32 stack.npy")
    .option(
      "--channels <list>",
      "these channels, in this order (0-based), e.g. 0,2; row: each row's own (Raven Channel)",
    )
    .option("--mono", "the mean of the (picked) channels")
    .option("--part <K/N>", "do part K of N of the outputs (balanced by duration); auto: from SLURM / Kubernetes")
    .option("--overwrite", "replace output files that exist (default: refuse)")
    .option("--float", "32-bit float WAV instead of 16-bit PCM")
    .option("--pre-roll <ms>", "decoder pre-roll in milliseconds (default 500)")
    .option("--workers <n>", "decode workers (default: one per core for 16 or more decode windows, else none)")
    .option("--fill-holes", "silence where the file lost samples, instead of an error")
    .option("--original-rate <hz>", "true rate of a time-expanded plain file (e.g. 384000); archives know theirs")
    .option("--sample-rate <hz>", "resample the output to this rate (band-limited; exact length)")
    .option("--device <id>", "from an archive by UTC time or --window: the device whose recordings to read")
    .option("--no-device", "the recordings imported without a device id")
    .option(
      "--fill-gaps",
      "from an archive: silence where no recording covers the range; with --window, windows run through gaps as silence",
    )
    .option("--join-tolerance <ms>", "from an archive: recordings this close are joined (default 1)")
    .option("--json", "print what was written as JSON")
    .action(async (source: string, options: ExtractArguments & TimelineArguments & { json?: boolean }) => {
      const { runExtractCommand } = await import("../commands/extract.ts");
      await runExtractCommand(source, options, context);
    });
};
