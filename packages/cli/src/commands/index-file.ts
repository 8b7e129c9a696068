import { stat } from "node:fs/promises";
import { indexFile, saveSidecar } from "@granule/opus-index/node";
import { sidecarPathOf } from "../source.ts";
import { UsageError } from "../usage-error.ts";

/** `granule index`: indexes a plain file and saves the sidecar next to it (or at -o). */
export async function runIndex(
  path: string,
  output: string | undefined,
  workers: number | undefined,
  onProgress: (done: number, total: number) => void,
) {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) throw new UsageError(`${path}: no such file`);
  if (!info.isFile()) throw new UsageError(`${path} is not a file (granule index takes a plain .opus file)`);
  const started = performance.now();
  const index = await indexFile(path, {
    onProgress: (p) => onProgress(p.bytesDone, p.bytesTotal),
    ...(workers === undefined ? {} : { workers }),
  });
  const sidecar = output ?? sidecarPathOf(path);
  await saveSidecar(index, sidecar);
  return {
    file: path,
    sidecar,
    byteLength: index.byteLength,
    totalSamples: index.totalSamples,
    pages: index.pageCount,
    packets: index.packetCount,
    links: index.links.length,
    problems: index.problems.length,
    milliseconds: Math.round(performance.now() - started),
  };
}
