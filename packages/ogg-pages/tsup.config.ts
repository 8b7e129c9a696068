import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.shared.ts";

// "neutral": the package runs in any runtime, so an import of a Node built-in fails the build.
export default defineConfig(packageBuild({ entry: ["src/index.ts"], platform: "neutral" }));
