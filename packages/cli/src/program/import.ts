import { Option } from "commander";
import type { ImportArguments } from "../commands/import.ts";
import { collect, type RegisterCommand } from "./context.ts";

export const registerImport: RegisterCommand = (program, context) => {
  program
    .command("import")
    .description("import recordings into an archive (created if needed)")
    .argument("<files...>", "Ogg Opus files, or recorders' WAV / FLAC files (encoded to Opus on the way)")
    .requiredOption("--archive <dir>", "the archive (a Zarr v3 collection)")
    .option("--id <id>", "id of the new recording (one file only; default: the next free number)")
    .option("--recorded-at <iso>", "start time, ISO 8601 (default: from AudioMoth-style file names)")
    .option("--utc-offset <offset>", "UTC offset of times without one, e.g. +02:00 (default UTC)")
    .option("--original-rate <hz>", "true sample rate of time-expanded ultrasound (e.g. 384000)")
    .option("--device <id>", "recorder or device id")
    .option("--location <lat,lon[,elevation]>", "where it was recorded: decimal degrees, metres (or a site name)")
    .option("--meta <key=value>", "free metadata (repeatable)", collect, [])
    .addOption(
      new Option("--on-duplicate <policy>", "when the same SHA-256 is already archived")
        .choices(["error", "skip", "allow"])
        .default("error"),
    )
    .option("--strict", "refuse a file with any damage (default: import it as it is, its problems listed)")
    .option(
      "--accept-resampled",
      "accept --original-rate for a file an ordinary encoder resampled from that rate (its ultrasound is gone)",
    )
    .option("--bitrate <rate>", "WAV/FLAC: Opus bitrate, e.g. 64k (default 64 kbit/s per channel)")
    .option("--frame-size <ms>", "WAV/FLAC: Opus frame size, 2.5 to 60 ms (default 20)")
    .option("--application <kind>", "WAV/FLAC: audio, voip or lowdelay (default audio)")
    .option("--workers <n>", "encode workers for WAV/FLAC files (default one per core), index workers for Opus")
    .option("--json", "print the results as JSON")
    .action(async (files: string[], options: ImportArguments & { json?: boolean }) => {
      const { runImportCommand } = await import("../commands/import.ts");
      await runImportCommand(files, options, context);
    });
};
