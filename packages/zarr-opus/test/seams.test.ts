// Edits and plants in an archive's directory that must not pass in silence.
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  cleanupCollection,
  importRecording,
  openCollection,
  openRecording,
  refreshManifest,
  verifyRecording,
} from "@granule/zarr-opus/node";
import { afterAll, describe, expect, it } from "vitest";
import { fixturePath } from "./fixtures.ts";
import { tempDir } from "./temp-dir.ts";

const temp = tempDir();
afterAll(() => temp.remove());

async function archiveWithOne(name: string) {
  const dir = join(temp.path, name);
  const collection = await openCollection(dir, { create: true });
  const { id } = await importRecording(collection, fixturePath("ffmpeg-mono.opus"));
  return { dir, collection, id };
}

function editAttributes(path: string, edit: (attributes: Record<string, unknown>) => void): void {
  const document = JSON.parse(readFileSync(path, "utf8"));
  edit(document.attributes);
  writeFileSync(path, JSON.stringify(document));
}

describe("attributes that change what a time means", () => {
  for (const [what, edit] of [
    [
      "sampleRate and timeExpansion together",
      (a: Record<string, unknown>) => {
        a.sampleRate = 384_000;
        a.timeExpansion = 8;
      },
    ],
    [
      "sampleRate alone",
      (a: Record<string, unknown>) => {
        a.sampleRate = 96_000;
      },
    ],
  ] as const) {
    it(`a hand edit of ${what} is found on open and by verify`, async () => {
      const { dir, collection, id } = await archiveWithOne(`rate-${what.length}`);
      editAttributes(join(dir, id, "zarr.json"), edit);
      await expect(openRecording(collection, id)).rejects.toMatchObject({
        code: expect.stringMatching(/index-mismatch|bad-metadata/),
      });
      const report = await verifyRecording(collection, id);
      expect(report.ok).toBe(false);
      expect(report.problems.map((p) => p.code)).toEqual(
        expect.arrayContaining([expect.stringMatching(/index-mismatch|bad-metadata/)]),
      );
    });
  }

  it("a descriptive attribute may still be corrected by hand", async () => {
    const { dir, collection, id } = await archiveWithOne("descriptive");
    editAttributes(join(dir, id, "zarr.json"), (a) => {
      a.deviceId = "moth-9";
    });
    expect((await openRecording(collection, id)).info.deviceId).toBe("moth-9");
  });
});

describe("what the archive writes", () => {
  it("never writes the manifest through a link to outside the archive", async () => {
    const { dir, collection } = await archiveWithOne("manifest-link");
    const outside = join(temp.path, "outside");
    mkdirSync(outside);
    writeFileSync(join(outside, "zarr.json"), "theirs");
    rmSync(join(dir, "manifest"), { recursive: true });
    symlinkSync(outside, join(dir, "manifest"));
    await expect(refreshManifest(collection)).rejects.toMatchObject({ code: "io" });
    expect(readFileSync(join(outside, "zarr.json"), "utf8")).toBe("theirs");
  });

  it("cleans up only names it makes: a user's notes.tmp of any age stays", async () => {
    const { dir, collection } = await archiveWithOne("notes");
    writeFileSync(join(dir, "notes.tmp"), "mine");
    const { utimesSync } = await import("node:fs");
    const old = (Date.now() - 3 * 86_400_000) / 1000;
    utimesSync(join(dir, "notes.tmp"), old, old);
    expect(await cleanupCollection(collection)).toEqual([]);
    expect(readFileSync(join(dir, "notes.tmp"), "utf8")).toBe("mine");
  });
});
