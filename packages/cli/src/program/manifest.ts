import type { ManifestMergeArguments } from "../commands/manifest-merge.ts";
import type { RegisterCommand } from "./context.ts";

export const registerManifest: RegisterCommand = (program, context) => {
  const manifest = program.command("manifest").description("the manifests extract writes");
  manifest
    .command("merge")
    .description("join the manifests of a split job's parts (manifest-part-K-of-N.csv) into one")
    .argument("<manifests...>", "every part's manifest")
    .requiredOption("-o, --output <file>", "the merged manifest; - for stdout")
    .option("--overwrite", "replace the output if it exists")
    .action(async (files: string[], options: ManifestMergeArguments) => {
      const { runManifestMerge } = await import("../commands/manifest-merge.ts");
      await runManifestMerge(files, options, context);
    });
};
