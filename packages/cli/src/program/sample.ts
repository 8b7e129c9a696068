import type { SampleArguments } from "../commands/sample.ts";
import { collect, type RegisterCommand } from "./context.ts";

export const registerSample: RegisterCommand = (program, context) => {
  program
    .command("sample")
    .description("random non-overlapping windows of an archive's recordings, as a segments table (CSV)")
    .argument("<archive>", "the archive directory or URL")
    .option("--n <count>", "how many windows")
    .option("--duration <seconds>", "each window's length in seconds (real time)")
    .option("--seed <n>", "the random seed: the same seed gives the same windows (default 1)")
    .option("--from <time>", "windows at or after this UTC time (2025-04-16T05:00:00Z, or local with +02:00)")
    .option("--to <time>", "windows before this time")
    .option("--device <id>", "recordings of this device")
    .option("--no-device", "the recordings imported without a device id")
    .option("--meta <key=value>", "recordings whose metadata has this value (repeatable)", collect, [])
    .option("-o, --output <file>", "write the table here (default: stdout)")
    .option("--overwrite", "replace the output file if it exists (default: refuse)")
    .option("--json", "also print the windows as JSON on stdout (needs -o)")
    .action(async (archive: string, options: SampleArguments) => {
      const { runSampleCommand } = await import("../commands/sample.ts");
      await runSampleCommand(archive, options, context);
    });
};
