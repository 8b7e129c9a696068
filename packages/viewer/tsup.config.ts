import { fileURLToPath } from "node:url";
import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.shared.ts";

const granule = ["@granule/extract", "@granule/opus-index", "@granule/spectrogram", "@granule/zarr-opus"];

export default defineConfig([
  ...packageBuild({
    // The libraries: page code and helpers (main), serveViewer (node).
    entry: ["src/index.ts", "src/node.ts"],
    // Not dist/page, which the page build writes at the same time.
    clean: ["*.js", "*.cjs", "*.d.ts", "*.d.cts", "*.map"],
    shims: true,
    external: granule,
  }),
  {
    // The page: one ES module with everything in it, next to index.html and viewer.css, and
    // extract's decode worker, which webDecoderFactory loads from beside the page's module.
    entry: {
      viewer: "src/page/main.ts",
      "decode-worker-web": fileURLToPath(new URL("../extract/dist/decode-worker-web.js", import.meta.url)),
    },
    outDir: "dist/page",
    clean: true,
    publicDir: "static",
    format: ["esm"],
    platform: "browser",
    target: "es2022",
    minify: true,
    sourcemap: true,
    // Split: numcodecs (1.4 MB, for index arrays compressed with blosc, lz4 or zstd) loads only if needed.
    splitting: true,
    noExternal: [/.*/],
    outExtension: () => ({ js: ".js" }),
  },
]);
