import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { BIN, example, granule } from "./cli.ts";

const dir = mkdtempSync(join(tmpdir(), "granule-view-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("granule view serves the page and the archive on 127.0.0.1, and stops on Ctrl-C", async () => {
  const archive = join(dir, "season.zarr");
  expect(granule(["import", example, "--archive", archive]).code).toBe(0);
  const child = spawn(BIN, ["view", archive], { stdio: ["ignore", "pipe", "pipe"] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 30_000);
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:\d+\/\S*/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    });
  });
  try {
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    // The archive's files are served with Range, for the page to read only what it needs.
    const origin = new URL(url).origin;
    const ranged = await fetch(`${origin}/archive/000001/ogg/zarr.json`, { headers: { range: "bytes=0-9" } });
    expect(ranged.status).toBe(206);
    expect((await ranged.arrayBuffer()).byteLength).toBe(10);
  } finally {
    child.kill("SIGINT");
  }
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  expect(code).toBe(0);
  await expect(fetch(url)).rejects.toThrow();
}, 60_000);
