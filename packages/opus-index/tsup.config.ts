import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.shared.ts";

export default defineConfig(
  packageBuild({
    // The worker entries are files of their own: workers are started from their URLs.
    entry: [
      "src/index.ts",
      "src/node.ts",
      "src/internal.ts",
      "src/internal-node.ts",
      "src/scan-worker-node.ts",
      "src/scan-worker-web.ts",
    ],
    // internal*: the plumbing granule's packages share, not the public surface (undocumented).
    dtsEntry: ["src/index.ts", "src/node.ts", "src/internal.ts", "src/internal-node.ts"],
    shims: true,
    external: ["@granule/ogg-pages", "@granule/byte-source"],
  }),
);
