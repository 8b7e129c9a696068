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
