import type { SelectionArguments } from "../selection-options.ts";
import { collect, type RegisterCommand } from "./context.ts";

export const registerLs: RegisterCommand = (program, context) => {
  program
    .command("ls")
    .description("one row per recording of an archive")
    .argument("<archive>", "the archive directory or URL")
    .option(
      "--from <time>",
      "recordings with audio at or after this UTC time (2025-04-16T05:00:00Z, or local with +02:00)",
    )
    .option("--to <time>", "recordings with audio before this time")
    .option("--device <id>", "recordings of this device")
    .option("--no-device", "the recordings imported without a device id")
    .option("--meta <key=value>", "recordings whose metadata has this value (repeatable: all must match)", collect, [])
    .option("--json", "print the rows as JSON")
    .action(async (archive: string, options: SelectionArguments & { json?: boolean }) => {
      const { runLsCommand } = await import("../commands/ls.ts");
      await runLsCommand(archive, options, context);
    });
};
