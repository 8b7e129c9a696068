import { defineConfig } from "tsup";

// fast-png (and its fflate and iobuffer) is ESM only: the CommonJS build carries its own copy.
const esmOnly = ["fast-png", "fflate", "iobuffer"];

export default defineConfig([
  {
    entry: ["src/index.ts"],
    format: ["esm"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "es2022",
    external: ["fft.js", ...esmOnly],
  },
  {
    entry: ["src/index.ts"],
    format: ["cjs"],
    dts: true,
    sourcemap: true,
    target: "es2022",
    external: ["fft.js"],
    noExternal: esmOnly,
  },
]);
