import { defineConfig } from "tsup";

export default defineConfig({
  // The worker entries are files of their own: workers are started from their URLs.
  entry: ["src/index.ts", "src/node.ts", "src/decode-worker-node.ts", "src/decode-worker-web.ts"],
  format: ["esm", "cjs"],
  dts: { entry: ["src/index.ts", "src/node.ts"] },
  sourcemap: true,
  clean: true,
  target: "es2022",
  shims: true,
  external: ["@granule/ogg-pages", "@granule/opus-index", "opus-decoder"],
});
