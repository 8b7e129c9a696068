import { readFileSync } from "node:fs";
import { defineConfig } from "tsup";

// The version written into each recording's marker (src/version.ts) comes from package.json.
const { version } = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));
const define = { __PACKAGE_VERSION__: JSON.stringify(version) };

const granule = ["@granule/ogg-pages", "@granule/opus-index"];
// zarrita, @zarrita/storage and @noble/hashes are ESM only (their exports have no "require"
// condition), so the CommonJS build carries its own copy of them. numcodecs stays outside
// and is loaded with import() only when an index array uses blosc, lz4 or zstd.
const esmOnly = ["zarrita", "@zarrita/storage", "@noble/hashes"];

export default defineConfig([
  {
    entry: ["src/index.ts", "src/node.ts"],
    format: ["esm"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "es2022",
    define,
    external: [...granule, ...esmOnly],
  },
  {
    entry: ["src/index.ts", "src/node.ts"],
    format: ["cjs"],
    dts: true,
    sourcemap: true,
    target: "es2022",
    define,
    external: [...granule, "numcodecs"],
    noExternal: esmOnly,
    esbuildOptions(options) {
      // Keep `import()` as is: CommonJS may import ESM that way, never with require().
      options.supported = { ...options.supported, "dynamic-import": true };
    },
  },
]);
