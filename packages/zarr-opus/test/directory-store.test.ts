import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ArchiveError, DirectoryStore } from "@granule/zarr-opus/node";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "./temp-dir.ts";

const temp = tempDir();
afterAll(() => {
  spawnSync("chattr", ["-R", "-i", temp.path]);
  temp.remove();
});

/** Whether this machine lets the tests make a directory immutable (root, a file system with attributes). */
function canMakeImmutable(): boolean {
  const probe = join(temp.path, "probe");
  mkdirSync(probe);
  const made = spawnSync("chattr", ["+i", probe]).status === 0;
  if (made) spawnSync("chattr", ["-i", probe]);
  return made;
}

describe("DirectoryStore.rename", () => {
  it("resolves false only when the target is taken: a non-empty directory or a file", async () => {
    const root = join(temp.path, "taken");
    const store = new DirectoryStore(root);
    for (const name of ["a", "b", "c"]) mkdirSync(join(root, name), { recursive: true });
    writeFileSync(join(root, "b", "zarr.json"), "{}");
    writeFileSync(join(root, "file"), "");
    expect(await store.rename("/a", "/b")).toBe(false);
    expect(await store.rename("/a", "/file")).toBe(false);
    expect(await store.rename("/a", "/c")).toBe(true); // an empty directory is replaced
  });

  it.skipIf(!canMakeImmutable())(
    "rejects with an io error when the file system refuses (EPERM), instead of calling the name taken",
    async () => {
      const root = join(temp.path, "refused");
      const store = new DirectoryStore(root);
      mkdirSync(join(root, "a"), { recursive: true });
      mkdirSync(join(root, "locked"));
      spawnSync("chattr", ["+i", join(root, "locked")]);
      const error = await store.rename("/a", "/locked/b").catch((e) => e);
      spawnSync("chattr", ["-i", join(root, "locked")]);
      expect(error).toBeInstanceOf(ArchiveError);
      expect([error.code, error.key]).toEqual(["io", "/a"]);
      expect(error.cause.code).toBe("EPERM");
    },
  );
});

describe("DirectoryStore.hasObjects", () => {
  it("says whether listObjects names anything, without listing past the first object", async () => {
    const root = join(temp.path, "has-objects");
    mkdirSync(join(root, "many"), { recursive: true });
    mkdirSync(join(root, "folders-only", "a", "b"), { recursive: true });
    mkdirSync(join(root, "empty"));
    writeFileSync(join(root, "a-file"), "x");
    // A folder of thousands of names, as the content index has one for a common byte length.
    for (let i = 0; i < 3000; i++) mkdirSync(join(root, "many", `d${i}`));
    writeFileSync(join(root, "many", "zz-last"), "");
    const store = new DirectoryStore(root);
    for (const prefix of ["/many", "/folders-only", "/folders-only/a", "/empty", "/missing", "/a-file", "/"] as const) {
      expect(await store.hasObjects(prefix), prefix).toBe((await store.listObjects(prefix)).length > 0);
    }
    expect(await store.hasObjects("/many")).toBe(true);
    expect(await store.hasObjects("/folders-only")).toBe(false);
  });
});
