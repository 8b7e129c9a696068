// What `granule extract <recording URL>` asks of a distant server, counted: the requests it
// waits for one after another, and the recording's zarr.json (read once to learn what the URL
// is and to open it, once more to confirm the recording was not replaced while it was read).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importRecording, openCollection } from "@granule/zarr-opus/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StaticServer, sequentialRoundTrips, startStaticServer } from "../../zarr-opus/test/static-server.ts";
import { example, granuleAsync } from "./cli.ts";

const dir = mkdtempSync(join(tmpdir(), "granule-round-trips-"));
let server: StaticServer;
let id: string;

beforeAll(async () => {
  const archive = join(dir, "season.zarr");
  id = (await importRecording(await openCollection(archive, { create: true }), example)).id;
  server = await startStaticServer(archive, { delayMs: 30 });
}, 60_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("granule extract of an archived recording's URL", () => {
  it("reads the recording's zarr.json once to open it, and waits for 4 round trips in all", async () => {
    server.reset();
    const run = await granuleAsync([
      "extract",
      `${server.url}/${id}`,
      "--start",
      "0.5",
      "--end",
      "1.5",
      "-o",
      "-",
      "--quiet",
    ]);
    expect([run.code, run.stderr]).toEqual([0, ""]);
    const paths = server.exchanges.map((e) => `${e.path} ${e.range ?? ""}`.trim());
    // The first: is the URL an archive's root or a recording? The same document opens it. The
    // second: after the shard index, the recording is confirmed to be the one opened.
    expect(
      paths.filter((p) => p.endsWith("zarr.json")),
      paths.join("\n"),
    ).toEqual([`/${id}/zarr.json`, `/${id}/zarr.json`]);
    expect(sequentialRoundTrips(server.exchanges), paths.join("\n")).toBe(4);
  });

  it("still finds an archive's root to be one (its timeline is read in UTC)", async () => {
    const run = await granuleAsync(["extract", server.url, "--start", "0.5", "--end", "1.5", "-o", "-"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/is an archive, so times are UTC/);
  });
});
