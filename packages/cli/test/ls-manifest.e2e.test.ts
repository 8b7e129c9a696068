// `granule ls` takes from the manifest only what it vouches for: a hand edit of a recording, or
// of the manifest itself, shows as the recording's own zarr.json says, with a note on stderr.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StaticServer, startStaticServer } from "../../zarr-opus/test/static-server.ts";
import { fixture, granule, granuleAsync } from "./cli.ts";

const dir = mkdtempSync(join(tmpdir(), "granule-ls-manifest-"));
const archive = join(dir, "a.zarr");
let server: StaticServer;

beforeAll(() => {
  const imported = granule([
    "import",
    fixture("ffmpeg-stereo.opus"),
    fixture("opusenc-mono.opus"),
    "--archive",
    archive,
  ]);
  expect(imported.code, imported.stderr).toBe(0);
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const devices = (stdout: string) =>
  JSON.parse(stdout).map((r: { id: string; deviceId: string | null }) => [r.id, r.deviceId]);

function edit(path: string, change: (node: { attributes: Record<string, unknown> }) => void) {
  const node = JSON.parse(readFileSync(path, "utf8"));
  change(node);
  writeFileSync(path, JSON.stringify(node));
}

describe("granule ls and the manifest", () => {
  it("says nothing when the manifest vouches for every recording", () => {
    const run = granule(["ls", archive, "--json"]);
    expect([run.code, run.stderr]).toEqual([0, ""]);
    expect(devices(run.stdout)).toEqual([
      ["000001", null],
      ["000002", null],
    ]);
  });

  it("lists a recording edited by hand as its zarr.json says, and notes it was read", () => {
    edit(join(archive, "000001", "zarr.json"), (node) => {
      node.attributes.deviceId = "AM-7";
    });
    const run = granule(["ls", archive, "--json"]);
    expect(run.code).toBe(0);
    expect(devices(run.stdout)).toEqual([
      ["000001", "AM-7"],
      ["000002", null],
    ]);
    expect(run.stderr).toMatch(
      /^granule: note: 1 entry is new or changed since the manifest of .* \(000001\): read from their own zarr\.json/,
    );
  });

  it("believes nothing of a manifest edited by hand: every recording is read", () => {
    edit(join(archive, "manifest", "zarr.json"), (node) => {
      (node.attributes.recordings as { deviceId: string }[])[1]!.deviceId = "forged";
    });
    const run = granule(["ls", archive, "--json"]);
    expect(devices(run.stdout)).toEqual([
      ["000001", "AM-7"],
      ["000002", null],
    ]);
    expect(run.stderr).toMatch(/2 entries are new or changed .* \(000001, 000002\)/);
  });

  it("over HTTP: one request, the manifest, and the damage it recorded named on stderr", async () => {
    // An import refreshes the manifest: it reads what changed, and records the damaged one.
    edit(join(archive, "000002", "zarr.json"), (node) => {
      delete node.attributes.complete;
    });
    const imported = granule(["import", fixture("ffmpeg-mono.opus"), "--archive", archive]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(granule(["ls", archive]).stderr).toMatch(/^granule: \S+\/000002 is not listed: incomplete/);
    server = await startStaticServer(archive);
    const run = await granuleAsync(["ls", server.url, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(devices(run.stdout)).toEqual([
      ["000001", "AM-7"],
      ["000003", null],
    ]);
    expect(run.stderr).toMatch(/000002 is not listed: incomplete/);
    expect(server.log).toEqual(["/manifest/zarr.json"]);
  });
});
