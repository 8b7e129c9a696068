import { defineConfig } from "tsup";

export default defineConfig({
  // The worker entry is a file of its own: workers are started from its URL.
  entry: ["src/index.ts", "src/node.ts", "src/encode-worker-node.ts"],
  format: ["esm", "cjs"],
  dts: { entry: ["src/index.ts", "src/node.ts"] },
  sourcemap: true,
  clean: true,
  target: "es2022",
  shims: true,
  external: [
    "@granule/ogg-pages",
    "@granule/opus-index",
    "@granule/resample",
    "@noble/hashes",
    "@wasm-audio-decoders/flac",
  ],
});
