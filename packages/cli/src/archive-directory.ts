import { stat } from "node:fs/promises";
import { UsageError } from "./usage-error.ts";

/**
 * Refuses an archive argument that is neither an http(s) URL nor an existing directory, before
 * anything opens it (openCollection would say "no zarr.json" of a typo'd path). For ls, sample
 * and view, which take a whole archive.
 */
export async function checkArchiveArgument(archive: string): Promise<void> {
  if (/^https?:\/\//i.test(archive)) return;
  const isDirectory = await stat(archive).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDirectory) throw new UsageError(`${archive}: no such archive directory`);
}
