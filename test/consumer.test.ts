// The packages as a consumer gets them: `npm pack` tarballs of every publishable package,
// installed with `npm install <tarballs>` into a fresh project outside the repository. They
// must type-check under nodenext without skipLibCheck, load with require() and import (the
// CommonJS build included), and the installed `granule` must run.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run, runOk } from "./run.ts";

const REPO = resolve(import.meta.dirname, "..");
const TSC = join(REPO, "node_modules/typescript/bin/tsc");
const TYPES_NODE_VERSION = readJson(join(REPO, "node_modules/@types/node/package.json")).version as string;

interface PackageJson {
  name: string;
  version: string;
  private?: boolean;
  exports?: Record<string, unknown>;
  bin?: Record<string, string>;
}

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
}

/** Every package under packages/ that is meant to be published. */
function publishablePackages(): { dir: string; json: PackageJson }[] {
  return readdirSync(join(REPO, "packages"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join("packages", entry.name))
    .filter((dir) => {
      try {
        readFileSync(join(REPO, dir, "package.json"));
        return true;
      } catch {
        return false;
      }
    })
    .map((dir) => ({ dir, json: readJson(join(REPO, dir, "package.json")) as unknown as PackageJson }))
    .filter(({ json }) => json.private !== true)
    .sort((a, b) => a.json.name.localeCompare(b.json.name));
}

/**
 * A package's module entry points as consumers name them: `@granule/x`, `@granule/x/node`, ...
 * (not `./package.json`, nor subpath patterns such as `./page/*`, which name asset files).
 */
function entriesOf(json: PackageJson): string[] {
  return Object.keys(json.exports ?? { ".": null })
    .filter((key) => key !== "./package.json" && !key.includes("*"))
    .map((key) => (key === "." ? json.name : `${json.name}${key.slice(1)}`));
}

const packages = publishablePackages();
const entries = packages.flatMap(({ json }) => entriesOf(json));
const cli = packages.find(({ json }) => json.bin?.granule !== undefined);

let root: string;
let app: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "granule-consumer-"));
  const packs = join(root, "packs");
  app = join(root, "app");
  mkdirSync(packs);
  mkdirSync(app);
  const pack = await runOk(
    "npm",
    ["pack", "--json", "--pack-destination", packs, ...packages.flatMap(({ dir }) => ["-w", dir])],
    { cwd: REPO },
  );
  const tarballs = (JSON.parse(pack.stdout) as { filename: string }[]).map(({ filename }) => join(packs, filename));
  expect(tarballs).toHaveLength(packages.length);

  // A CommonJS project ("type": "commonjs"), so .js is CommonJS and .mjs/.mts are ESM.
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({ name: "granule-consumer", version: "1.0.0", private: true, type: "commonjs" }),
  );
  await runOk(
    "npm",
    [
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      "--no-package-lock",
      ...tarballs,
      `@types/node@${TYPES_NODE_VERSION}`,
    ],
    { cwd: app, timeoutMs: 280_000 },
  );
}, 300_000);

afterAll(() => {
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

describe("a consumer project with the packed packages installed", () => {
  it("finds every publishable package and its entries", () => {
    expect(packages.map(({ json }) => json.name)).toEqual(
      expect.arrayContaining([
        "@granule/cli",
        "@granule/extract",
        "@granule/ogg-pages",
        "@granule/opus-index",
        "@granule/zarr-opus",
      ]),
    );
    expect(entries).toEqual(
      expect.arrayContaining(["@granule/opus-index/node", "@granule/extract/node", "@granule/zarr-opus/node"]),
    );
  });

  it("type-checks every entry from ESM (.mts) and CommonJS (.cts): nodenext, strict, skipLibCheck false", async () => {
    const esm = entries.map((entry, i) => `import * as m${i} from "${entry}";\n`).join("");
    const cjs = entries.map((entry, i) => `import m${i} = require("${entry}");\n`).join("");
    const all = `export const modules = [${entries.map((_, i) => `m${i}`).join(", ")}];\n`;
    // A typed use of each main API, so the declarations are read, not just found.
    const use = [
      `export const pages: Iterable<m${entries.indexOf("@granule/ogg-pages")}.OggPage> = m${entries.indexOf("@granule/ogg-pages")}.readPages(new Uint8Array(0));`,
      `export const open: (path: string) => Promise<m${entries.indexOf("@granule/opus-index/node")}.Recording> = m${entries.indexOf("@granule/opus-index/node")}.openFile;`,
      `export const store: m${entries.indexOf("@granule/zarr-opus")}.ReadableStore = new m${entries.indexOf("@granule/zarr-opus")}.MemoryStore();`,
    ].join("\n");
    writeFileSync(join(app, "esm.mts"), `${esm}${all}${use}\n`);
    writeFileSync(join(app, "cjs.cts"), `${cjs}${all}${use}\n`);
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "nodenext",
          moduleResolution: "nodenext",
          // The default lib for the target (DOM included): packages meant for pages need it.
          target: "es2022",
          strict: true,
          skipLibCheck: false,
          noEmit: true,
          types: ["node"],
        },
        files: ["esm.mts", "cjs.cts"],
      }),
    );
    const result = await run(process.execPath, [TSC, "-p", "tsconfig.json"], { cwd: app, timeoutMs: 280_000 });
    expect(result.stdout + result.stderr).toBe("");
    expect(result.code).toBe(0);
  }, 300_000);

  it("gets the same named exports from require(), import, and import of the CommonJS file", async () => {
    // ESM import of each entry; then the file the `require` condition names, imported as ESM
    // imports a CommonJS file (named exports from Node's cjs-module-lexer).
    writeFileSync(
      join(app, "names.mjs"),
      `import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
const require = createRequire(import.meta.url);
const names = (m) => Object.keys(m).filter((k) => k !== "default").sort();
const out = {};
for (const entry of ${JSON.stringify(entries)}) {
  const file = require.resolve(entry);
  out[entry] = { esm: names(await import(entry)), cjsFile: file, cjsImport: names(await import(pathToFileURL(file).href)) };
}
console.log(JSON.stringify(out));
`,
    );
    writeFileSync(
      join(app, "names.js"),
      `const out = {};
for (const entry of ${JSON.stringify(entries)}) out[entry] = Object.keys(require(entry)).sort();
console.log(JSON.stringify(out));
`,
    );
    const imported = JSON.parse((await runOk(process.execPath, ["names.mjs"], { cwd: app })).stdout) as Record<
      string,
      { esm: string[]; cjsFile: string; cjsImport: string[] }
    >;
    const required = JSON.parse((await runOk(process.execPath, ["names.js"], { cwd: app })).stdout) as Record<
      string,
      string[]
    >;
    for (const entry of entries) {
      const { esm, cjsFile, cjsImport } = imported[entry] ?? { esm: [], cjsFile: "", cjsImport: [] };
      expect(cjsFile, entry).toMatch(/\.cjs$/);
      expect(esm.length, entry).toBeGreaterThan(3);
      expect(required[entry], `require("${entry}")`).toEqual(esm);
      expect(cjsImport, `import of ${entry}'s CommonJS build`).toEqual(esm);
    }

    // Static named imports fail to link if a name is missing: from each entry in a CommonJS
    // project's .mjs, and from each CommonJS build file.
    const statics = entries
      .map((entry, i) => {
        const list = (imported[entry]?.esm ?? []).map((name) => `${name} as a${i}_${name}`).join(", ");
        const file = imported[entry]?.cjsFile ?? "";
        return `import { ${list} } from "${entry}";\nimport { ${list.replaceAll(" as a", " as c")} } from ${JSON.stringify(`file://${file}`)};\n`;
      })
      .join("");
    writeFileSync(join(app, "static.mjs"), `${statics}console.log("linked");\n`);
    expect((await runOk(process.execPath, ["static.mjs"], { cwd: app })).stdout).toBe("linked\n");
  }, 120_000);

  it("runs the installed granule: --version and info/extract on the bundled example", async () => {
    expect(cli).toBeDefined();
    const bin = join(app, "node_modules/.bin/granule");
    const version = await runOk(bin, ["--version"], { cwd: app });
    expect(version.stdout.trim()).toBe(cli?.json.version);

    copyFileSync(join(REPO, "examples/dawn-chorus.opus"), join(app, "dawn.opus"));
    const info = JSON.parse((await runOk(bin, ["info", "dawn.opus", "--json"], { cwd: app })).stdout) as Record<
      string,
      unknown
    >;
    expect(info).toMatchObject({ byteLength: 95_992, totalSamples: 960_000, channels: 1, preSkip: 312 });

    await runOk(bin, ["extract", "dawn.opus", "--start", "10", "--end", "12", "-o", "call.wav"], { cwd: app });
    const wav = readFileSync(join(app, "call.wav"));
    expect(wav.subarray(0, 4).toString("latin1")).toBe("RIFF");
    expect(wav.length).toBe(44 + 2 * 96_000); // 16-bit mono, exactly 2 s at 48 kHz
  }, 120_000);
});
