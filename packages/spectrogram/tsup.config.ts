import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.shared.ts";

// fast-png (and its fflate and iobuffer) is ESM only: the CommonJS build carries its own copy.
const esmOnly = ["fast-png", "fflate", "iobuffer"];

export default defineConfig(
  packageBuild({
    entry: ["src/index.ts"],
    external: ["fft.js", ...esmOnly],
    cjs: { external: ["fft.js"], noExternal: esmOnly },
  }),
);
