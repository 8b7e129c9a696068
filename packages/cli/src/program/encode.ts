import type { EncodeCommandArguments } from "../commands/encode.ts";
import type { RegisterCommand } from "./context.ts";

export const registerEncode: RegisterCommand = (program, context) => {
  program
    .command("encode")
    .description("encode recorders' WAV / FLAC files to Ogg Opus, exactly (time expansion above 48 kHz)")
    .argument("<files...>", "WAV (PCM, float, RF64), FLAC or Ogg FLAC files")
    .option("-o, --output <file>", "the .opus to write (one file)")
    .option("--out-dir <dir>", "write <name>.opus for each file into this directory")
    .option("--bitrate <rate>", "Opus bitrate, e.g. 64k (default 64 kbit/s per channel)")
    .option("--frame-size <ms>", "Opus frame size, 2.5 to 60 ms (default 20)")
    .option("--application <kind>", "audio, voip or lowdelay (default audio)")
    .option("--workers <n>", "files encoded at once (default one per core)")
    .option("--overwrite", "replace output files that exist (default: refuse)")
    .option("--json", "print what was made as JSON")
    .action(async (files: string[], options: EncodeCommandArguments) => {
      const { runEncodeCommand } = await import("../commands/encode.ts");
      await runEncodeCommand(files, options, context);
    });
};
