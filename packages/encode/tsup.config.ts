import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.shared.ts";

export default defineConfig(
  packageBuild({
    // The worker entry is a file of its own: workers are started from its URL.
    entry: ["src/index.ts", "src/node.ts", "src/encode-worker-node.ts"],
    dtsEntry: ["src/index.ts", "src/node.ts"],
    shims: true,
    external: [
      "@granule/ogg-pages",
      "@granule/opus-index",
      "@granule/resample",
      "@noble/hashes",
      "@wasm-audio-decoders/flac",
    ],
  }),
);
