import { readFileSync } from "node:fs";
import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.shared.ts";

// The version written into each recording's marker (src/version.ts) comes from package.json.
const { version } = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));

const granule = ["@granule/ogg-pages", "@granule/byte-source", "@granule/opus-index"];
// zarrita, @zarrita/storage and @noble/hashes are ESM only (their exports have no "require"
// condition), so the CommonJS build carries its own copy of them. numcodecs stays outside
// and is loaded with import() only when an index array uses blosc, lz4 or zstd.
const esmOnly = ["zarrita", "@zarrita/storage", "@noble/hashes"];

export default defineConfig(
  packageBuild({
    entry: ["src/index.ts", "src/node.ts"],
    define: { __PACKAGE_VERSION__: JSON.stringify(version) },
    external: [...granule, ...esmOnly],
    cjs: {
      external: [...granule, "numcodecs"],
      noExternal: esmOnly,
      esbuildOptions(options) {
        // Keep `import()` as is: CommonJS may import ESM that way, never with require().
        options.supported = { ...options.supported, "dynamic-import": true };
      },
    },
  }),
);
