import type { RegisterCommand } from "./context.ts";

export const registerVerify: RegisterCommand = (program, context) => {
  program
    .command("verify")
    .description("check everything; exit 1 on any problem")
    .argument("<target>", "a .opus/.ogg file, archive.zarr/<id>, an archive, or a URL")
    .option("--workers <n>", "index workers")
    .option("--json", "print the results as JSON")
    .action(async (target: string, options: { workers?: string; json?: boolean }) => {
      const { runVerifyCommand } = await import("../commands/verify.ts");
      await runVerifyCommand(target, options, context);
    });
};
