import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.shared.ts";

export default defineConfig(
  packageBuild({
    entry: ["src/index.ts", "src/main.ts"],
    shims: true,
    external: [/^@granule\//, "commander", "cli-progress", "csv-parse"],
  }),
);
