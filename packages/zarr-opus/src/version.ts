// Put in by the build (tsup.config.ts) from package.json, so the version is written in one place.
declare const __PACKAGE_VERSION__: string | undefined;

/** This package's version; "source" when its TypeScript is run without the build. */
export const PACKAGE_VERSION: string = typeof __PACKAGE_VERSION__ === "string" ? __PACKAGE_VERSION__ : "source";
