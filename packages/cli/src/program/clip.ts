import type { ClipArguments } from "../commands/clip.ts";
import type { RegisterCommand } from "./context.ts";

export const registerClip: RegisterCommand = (program, context) => {
  program
    .command("clip")
    .description("a stream-copy clip: a playable .opus of exactly the range, without re-encoding")
    .argument("<source>", "a .opus/.ogg file, archive.zarr/<id>, or an http(s):// URL")
    .option("--start <time>", "start: seconds, hh:mm:ss.sss, or with a unit")
    .option("--end <time>", "end (exclusive)")
    .option("--start-sample <n>", "start sample")
    .option("--end-sample <n>", "end sample (exclusive)")
    .option("-o, --output <file>", "the clip to write; - for stdout")
    .option("--overwrite", "replace the output file if it exists (default: refuse)")
    .option("--original-rate <hz>", "true rate of a time-expanded plain file (e.g. 384000); archives know theirs")
    .option("--pre-roll <ms>", "pre-roll kept as pre-skip, in milliseconds (default 500)")
    .option("--json", "print the result as JSON")
    .action(async (source: string, options: ClipArguments & { json?: boolean }) => {
      const { runClipCommand } = await import("../commands/clip.ts");
      await runClipCommand(source, options, context);
    });
};
