import type { RegisterCommand } from "./context.ts";

export const registerInfo: RegisterCommand = (program, context) => {
  program
    .command("info")
    .description("header facts, links, pages, duration, sample rate, recordedAt, and any damage")
    .argument("<source>", "a .opus/.ogg file, archive.zarr/<id>, or an http(s):// URL of either")
    .option("--json", "one JSON document with stable keys")
    .option("--original-rate <hz>", "true rate of a time-expanded plain file (e.g. 384000); archives know theirs")
    .option("--sample-rate <hz>", "the old name of --original-rate")
    .action(async (source: string, options: { json?: boolean; originalRate?: string; sampleRate?: string }) => {
      const { runInfo } = await import("../commands/info.ts");
      await runInfo(source, options, context);
    });
};
