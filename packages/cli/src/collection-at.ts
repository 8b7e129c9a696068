import { stat } from "node:fs/promises";
import type { Collection } from "@granule/zarr-opus/node";

/**
 * The collection at `source` when it is an archive's root (a directory or URL with the
 * collection marker), else undefined: a recording, a file, or nothing granule reads. The
 * archive code is loaded only for a folder or a URL that may be an archive, so a plain
 * file's extraction never loads it.
 */
export async function collectionAt(source: string): Promise<Collection | undefined> {
  const remote = /^https?:\/\//i.test(source);
  if (remote && /\.(opus|ogg|oga)(\?.*)?$/i.test(source)) return undefined;
  if (!remote) {
    const isDirectory = await stat(source).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!isDirectory) return undefined;
  }
  const [{ openCollection }, { probeStore }] = await Promise.all([
    import("@granule/zarr-opus/node"),
    import("./remote-store.ts"),
  ]);
  return openCollection(remote ? probeStore(source) : source).catch((error: { name?: string; code?: string }) => {
    if (error?.name === "ArchiveError" && (error.code === "not-a-collection" || error.code === "not-found")) {
      return undefined;
    }
    throw error;
  });
}
