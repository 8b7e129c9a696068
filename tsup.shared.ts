// The build every package shares: ESM and CommonJS from the same sources, .d.ts for the
// public entries. Each package's tsup.config.ts calls `packageBuild` with what is its own.
import type { Options } from "tsup";

export interface PackageBuild {
  /** Every file to build: the public entries and any worker entry started from its URL. */
  entry: string[];
  /** The public entries, which get .d.ts/.d.cts files (default: all of `entry`). */
  dtsEntry?: string[];
  /** Imports left to the consumer's node_modules. */
  external?: (string | RegExp)[];
  /**
   * The ESM build's platform. "neutral" (for packages that run in any runtime) makes an import
   * of a Node built-in fail the build. The CommonJS build is always "node": see below.
   */
  platform?: "node" | "neutral";
  /** tsup's shims (`import.meta.url` in CommonJS, `__dirname` in ESM). */
  shims?: boolean;
  define?: Record<string, string>;
  /** What to remove from dist/ first (default: everything; a list of globs keeps the rest). */
  clean?: Options["clean"];
  /** A CommonJS build that differs from the ESM one (e.g. bundling ESM-only dependencies). */
  cjs?: Pick<Options, "external" | "noExternal" | "esbuildOptions">;
}

/**
 * Node gives `import`ers of a CommonJS file the names its cjs-module-lexer finds by reading
 * the file without running it. esbuild's CommonJS output defines its exports through getters
 * (`__export(x, { a: () => a })`), which the lexer cannot see, so esbuild adds an annotation
 * it can, `0 && (module.exports = { a, b })`, but only when the platform is "node". Without
 * it, `import * as m from "pkg/dist/index.cjs"` (and a bundler or loader that picks the
 * `require` condition for an ESM importer) gets `default` and no named exports.
 */
function commonJsForNode(options: Parameters<NonNullable<Options["esbuildOptions"]>>[0]): void {
  options.platform = "node";
}

export function packageBuild(build: PackageBuild): Options[] {
  const common: Options = {
    entry: build.entry,
    dts: { entry: build.dtsEntry ?? build.entry },
    sourcemap: true,
    target: "es2022",
    ...(build.external === undefined ? {} : { external: build.external }),
    ...(build.shims === undefined ? {} : { shims: build.shims }),
    ...(build.define === undefined ? {} : { define: build.define }),
  };
  const platform = build.platform ?? "node";
  if (build.cjs === undefined) {
    return [
      {
        ...common,
        format: ["esm", "cjs"],
        platform,
        clean: build.clean ?? true,
        esbuildOptions(options, { format }) {
          if (format === "cjs") commonJsForNode(options);
        },
      },
    ];
  }
  const { esbuildOptions, ...cjs } = build.cjs;
  return [
    { ...common, format: ["esm"], platform, clean: build.clean ?? true },
    {
      ...common,
      ...cjs,
      format: ["cjs"],
      platform: "node",
      esbuildOptions(options, context) {
        esbuildOptions?.(options, context);
        commonJsForNode(options);
      },
    },
  ];
}
