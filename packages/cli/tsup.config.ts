import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.shared.ts";

/**
 * The command the bin runs: the program and everything it imports bundled into a few files
 * (bundle/), so a run resolves and reads a handful of modules instead of some thirty across
 * eight packages (a 1 h import 486 -> 453 ms, `import --help` 106 -> 93 ms, alternating). The
 * worker scripts the packages start by URL (`new URL("./decode-worker-node.js",
 * import.meta.url)`) are entries of the same bundle, so those URLs find them next to it. The
 * viewer stays outside: it serves its page from its own folder, and only `granule view`
 * loads it. The library entries (dist/) are built as before, for programs that import the CLI.
 */
const commandBundle = {
  entry: {
    main: "src/main.ts",
    "decode-worker-node": "../extract/dist/decode-worker-node.js",
    "scan-worker-node": "../opus-index/dist/scan-worker-node.js",
    "encode-worker-node": "../encode/dist/encode-worker-node.js",
  },
  outDir: "bundle",
  format: ["esm" as const],
  platform: "node" as const,
  target: "es2022",
  splitting: true,
  sourcemap: true,
  clean: true,
  shims: true,
  noExternal: [/^(?!@granule\/viewer)/],
  external: ["@granule/viewer"],
  esbuildOptions(options: { logOverride?: Record<string, string> }) {
    // The packages' bare imports of their own chunks are of pure code ("sideEffects": false).
    options.logOverride = { ...options.logOverride, "ignored-bare-import": "silent" };
  },
  // Bundled CommonJS dependencies (commander) call require() for Node's modules.
  banner: {
    js: 'import { createRequire as granuleCreateRequire } from "node:module";\nconst require = granuleCreateRequire(import.meta.url);',
  },
};

export default defineConfig([
  ...packageBuild({
    entry: ["src/index.ts", "src/main.ts"],
    shims: true,
    external: [/^@granule\//, "commander", "cli-progress", "csv-parse"],
  }),
  commandBundle,
]);
