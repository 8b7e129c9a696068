import { fileURLToPath } from "node:url";
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
/**
 * The packages are bundled from their sources, not their dist/ files: esbuild splits chunks
 * by module, and each package's dist/index.js is one module, so a command that used one
 * function of a package (the time parser of @granule/labels, say) loaded all of it. From the
 * sources it loads the modules it uses. `@granule/x/sub/path` is packages/x/src/sub-path.ts,
 * as the packages' exports map them.
 */
const packageSources = {
  name: "granule-package-sources",
  setup(build: {
    onResolve(
      options: { filter: RegExp },
      callback: (args: { path: string }) => { path: string; sideEffects: boolean } | undefined,
    ): void;
  }) {
    build.onResolve({ filter: /^@granule\// }, (args) => {
      const [, name, subpath] = /^@granule\/([a-z-]+)(?:\/(.*))?$/.exec(args.path) ?? [];
      if (name === undefined || name === "viewer" || subpath === "package.json") return undefined;
      const file = subpath === undefined ? "index" : subpath.replace(/\//g, "-");
      // As their package.json says ("sideEffects": false), which esbuild reads only for paths it
      // resolves itself: modules of a package that nothing uses are left out.
      return { path: fileURLToPath(new URL(`../${name}/src/${file}.ts`, import.meta.url)), sideEffects: false };
    });
  },
};

const commandBundle = {
  entry: {
    main: "src/main.ts",
    "decode-worker-node": "../extract/src/decode-worker-node.ts",
    "scan-worker-node": "../opus-index/src/scan-worker-node.ts",
    "encode-worker-node": "../encode/src/encode-worker-node.ts",
  },
  esbuildPlugins: [packageSources],
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
