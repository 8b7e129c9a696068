// The docs' TypeScript examples (examples/snippets/*.ts, included verbatim in the docs): the
// docs hold exactly the files, the files type-check against the built packages, and they run.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { importRecording, openCollection } from "@granule/zarr-opus/node";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkSnippets, REPO, snippetFiles, tsBlocks } from "../scripts/snippets.mjs";
import { run } from "./run.ts";
import { type StaticServer, startStaticServer } from "./static-server.ts";

const DAWN = join(REPO, "examples/dawn-chorus.opus");
const TSC = join(REPO, "node_modules/typescript/bin/tsc");
const SHIM = join(REPO, "test/fetch-shim.mjs");

/** The files every snippet's working directory starts with: the example under the names the docs use. */
const FILES = ["dawn.opus", "20240501_053000.opus", "SD/24F319_20240501_053000.opus"];

/** Archives a snippet expects to exist already (each holds the example as recording 000001). */
const ARCHIVES: Record<string, string[]> = { "training-set.ts": ["season.zarr"], "viewer.ts": ["season.zarr"] };

/** What each snippet must print (every line, in order); the snippet must also exit 0, silently on stderr. */
const EXPECTED_OUTPUT: Record<string, (string | RegExp)[]> = {
  "tour.ts": ["1003 packets, the last ending at granule 960312n", "43982 17826 105 4152", "1 96000", "000001 4 true"],
  "index-file.ts": ["960000 true"],
  "index-over-http.ts": ["960000 95992"],
  "read-pages.ts": [
    ...Array.from({ length: 23 }, (_, i) => new RegExp(`^${i} \\d+ \\d+ -?\\d+n$`)),
    "skipped 5234 bytes at 4656 crc",
    "22 of 23 pages",
    "crc 4656",
  ],
  "stream-pages.ts": ["23", "last page 22 960312n"],
  "write-pages.ts": ["96046 25 pages"],
  "extract-segments.ts": ["96000 4800 true"],
  "archive.ts": ["100%", "[ '000001 2024-05-01T05:30:00.000Z 24F319' ]", "true true"],
  "archive-over-http.ts": ["000001 24F319_20240501_053000.opus 96000"],
  "training-set.ts": [],
  "labels.ts": [
    "raven WOTH 1326.3 3266.5",
    "91087 197307",
    "1.897648165999982\t4.110563\tWOTH",
    "WOTH/WOTH-91087 AMRO/AMRO-504000",
  ],
  "encode.ts": ["time-expanded 384000", "384000 384000", "2025-04-17T21:15:00.000Z", "true"],
  "resample.ts": ["32000 32000", "32000", "8000"],
  "spectrogram.ts": ["true true"],
  "viewer.ts": [/^http:\/\/127\.0\.0\.1:\d+\/\?archive=archive%2F$/],
};

/** Files a snippet must leave behind, with their sizes in bytes. */
const EXPECTED_FILES: Record<string, Record<string, number>> = {
  "training-set.ts": {
    "training/robin-0001.f32": 96_000 * 4,
    "training/robin-0002.f32": 96_000 * 4,
    "training/noise-0001.f32": 96_000 * 4,
  },
  "extract-segments.ts": { "call.wav": 44 + 96_000 * 2 },
  "encode.ts": { "20250417_211500.WAV": 44 + 384_000 * 2 },
};

const snippets = snippetFiles().map((path) => basename(path));
let root: string;
let site: string;
let server: StaticServer;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "granule-snippets-"));
  // What https://example.org serves.
  site = join(root, "site");
  mkdirSync(site);
  cpSync(DAWN, join(site, "dawn.opus"));
  const collection = await openCollection(join(site, "field-2024.zarr"), { create: true });
  cpSync(DAWN, join(root, "24F319_20240501_053000.opus"));
  await importRecording(collection, join(root, "24F319_20240501_053000.opus"));
  server = await startStaticServer(site);
}, 60_000);

afterAll(async () => {
  await server?.close();
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

describe("the docs' snippets", () => {
  it("are in the docs exactly as in their files, and every ```ts block is one", () => {
    expect(checkSnippets()).toEqual([]);
  });

  it("finds the blocks and markers it checks", () => {
    const blocks = tsBlocks(
      "text\n<!-- snippet: examples/snippets/a.ts -->\n```ts\nconst a = 1;\n```\n```ts\nb\n```\n",
    );
    expect(blocks).toEqual([
      { snippet: "examples/snippets/a.ts", line: 3, start: 3, end: 4, body: "const a = 1;" },
      { snippet: null, line: 6, start: 6, end: 7, body: "b" },
    ]);
    expect(snippets.length).toBeGreaterThanOrEqual(10);
    expect(Object.keys(EXPECTED_OUTPUT).sort()).toEqual([...snippets].sort());
  });

  it("type-check against the built packages' types (nodenext, strict)", async () => {
    const result = await run(process.execPath, [TSC, "-p", "examples/snippets/tsconfig.json"], {
      cwd: REPO,
      timeoutMs: 280_000,
    });
    expect(result.stdout + result.stderr).toBe("");
    expect(result.code).toBe(0);
  }, 300_000);

  for (const name of snippets) {
    it(`${name} runs with node and prints what it should`, async () => {
      const work = mkdtempSync(join(root, `${name.replace(/\.ts$/, "")}-`));
      symlinkSync(join(REPO, "node_modules"), join(work, "node_modules"), "dir");
      for (const file of FILES) {
        mkdirSync(join(work, file, ".."), { recursive: true });
        cpSync(DAWN, join(work, file));
      }
      for (const archive of ARCHIVES[name] ?? []) {
        const collection = await openCollection(join(work, archive), { create: true });
        await importRecording(collection, join(work, "20240501_053000.opus"));
      }
      const source = readFileSync(join(REPO, "examples/snippets", name), "utf8");
      const { outputText, diagnostics } = ts.transpileModule(source, {
        fileName: name,
        reportDiagnostics: true,
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      });
      expect(diagnostics ?? []).toEqual([]);
      const program = join(work, name.replace(/\.ts$/, ".mjs"));
      writeFileSync(program, outputText);

      const shim = `${pathToFileURL(SHIM).href}?origin=${encodeURIComponent(server.origin)}`;
      const result = await run(process.execPath, ["--import", shim, program], { cwd: work, timeoutMs: 60_000 });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const lines = result.stdout.split("\n").filter((line) => line !== "");
      const expected = EXPECTED_OUTPUT[name] ?? [];
      expect(lines).toHaveLength(expected.length);
      expected.forEach((want, i) => {
        if (typeof want === "string") expect(lines[i]).toBe(want);
        else expect(lines[i]).toMatch(want);
      });
      for (const [file, byteLength] of Object.entries(EXPECTED_FILES[name] ?? {})) {
        expect(statSync(join(work, file)).size, file).toBe(byteLength);
      }
    }, 90_000);
  }
});
