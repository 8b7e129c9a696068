import { open, stat } from "node:fs/promises";
import { writeSidecar } from "@granule/opus-index";
import { indexFile } from "@granule/opus-index/node";
import { refuseSourceAsOutput, writeOutput } from "../output-file.ts";
import type { CommandContext } from "../program/context.ts";
import { withProgress } from "../progress.ts";
import { sidecarPathOf } from "../source.ts";
import { parseCount } from "../time.ts";
import { UsageError } from "../usage-error.ts";

export async function runIndexCommand(
  file: string,
  options: { output?: string; workers?: string; json?: boolean },
  context: CommandContext,
): Promise<void> {
  const workers = options.workers === undefined ? undefined : parseCount(options.workers, "--workers");
  const result = await withProgress("indexing", "bytes", context.quiet(), (bar) =>
    runIndex(file, options.output, workers, (d, t) => bar.update(d, t)),
  );
  if (options.json) context.json(result);
  else {
    context.io.out(
      `${result.file}: ${result.totalSamples} samples, ${result.pages} pages, ${result.packets} packets, ${result.problems} problem(s); index saved to ${result.sidecar} in ${result.milliseconds} ms\n`,
    );
  }
}

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
  const sidecar = output ?? sidecarPathOf(path);
  await refuseSourceAsOutput(sidecar, path);
  await refuseNonSidecar(sidecar);
  const started = performance.now();
  const index = await indexFile(path, {
    onProgress: (p) => onProgress(p.bytesDone, p.bytesTotal),
    ...(workers === undefined ? {} : { workers }),
  });
  // Replaced whole (a temporary file renamed over it), never written through a link.
  await writeOutput(sidecar, writeSidecar(index), { overwrite: true });
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

const SIDECAR_MAGIC = "GRNLIDX\0";

/** A sidecar is replaced when the file is indexed again; any other file at that path is not. */
async function refuseNonSidecar(path: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) return;
  let start = "";
  if (info.isFile()) {
    const handle = await open(path, "r");
    try {
      const bytes = new Uint8Array(SIDECAR_MAGIC.length);
      const { bytesRead } = await handle.read(bytes, 0, bytes.length, 0);
      start = new TextDecoder().decode(bytes.subarray(0, bytesRead));
    } finally {
      await handle.close();
    }
  }
  if (start !== SIDECAR_MAGIC) {
    throw new UsageError(
      `${path} exists and is not a granule index sidecar: granule index replaces only its own sidecars`,
    );
  }
}
