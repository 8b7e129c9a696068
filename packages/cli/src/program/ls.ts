import type { RegisterCommand } from "./context.ts";

export const registerLs: RegisterCommand = (program, context) => {
  program
    .command("ls")
    .description("one row per recording of an archive")
    .argument("<archive>", "the archive directory or URL")
    .option("--json", "print the rows as JSON")
    .action(async (archive: string, options: { json?: boolean }) => {
      const { runLsCommand } = await import("../commands/ls.ts");
      await runLsCommand(archive, options, context);
    });
};
