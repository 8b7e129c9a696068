import type { RegisterCommand } from "./context.ts";

export const registerIndex: RegisterCommand = (program, context) => {
  program
    .command("index")
    .description("build the index of a plain file and save it as a sidecar (reused by every command)")
    .argument("<file>", "a .opus/.ogg file")
    .option("-o, --output <sidecar>", "where to save the index (default <file>.idx)")
    .option("--workers <n>", "scan workers")
    .option("--json", "print the result as JSON")
    .action(async (file: string, options: { output?: string; workers?: string; json?: boolean }) => {
      const { runIndexCommand } = await import("../commands/index-file.ts");
      await runIndexCommand(file, options, context);
    });
};
