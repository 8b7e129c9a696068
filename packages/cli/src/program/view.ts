import type { RegisterCommand } from "./context.ts";

export const registerView: RegisterCommand = (program, context) => {
  program
    .command("view")
    .description("browse an archive in a browser: spectrograms, playback, selections (served on 127.0.0.1)")
    .argument("<archive>", "the archive directory or an http(s):// URL of one")
    .option("--port <n>", "port to listen on (default: any free one)")
    .action(async (archive: string, options: { port?: string }) => {
      const { runViewCommand } = await import("../commands/view.ts");
      await runViewCommand(archive, options, context);
    });
};
