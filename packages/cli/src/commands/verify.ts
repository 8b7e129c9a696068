import { readFile, stat } from "node:fs/promises";
import { buildIndex, readSidecar, writeSidecar } from "@granule/opus-index";
import { fileSource } from "@granule/opus-index/node";
import { ArchiveError, listRecordings, openCollection, verifyRecording } from "@granule/zarr-opus/node";
import { sidecarPathOf } from "../source.ts";
import { UsageError } from "../usage-error.ts";

export interface VerifyResult {
  target: string;
  ok: boolean;
  problems: { code: string; byteOffset: number | null; message: string }[];
}

/**
 * `granule verify`: a plain file (every page's CRC, the stream's structure, and its sidecar if
 * there is one); an archived recording (SHA-256, page CRCs, index); or a whole archive.
 */
export async function runVerify(target: string, workers: number | undefined): Promise<VerifyResult[]> {
  const remote = /^https?:\/\//i.test(target);
  const info = remote ? undefined : await stat(target).catch(() => undefined);
  if (!remote && info === undefined) throw new UsageError(`${target}: no such file or directory`);
  if (info?.isFile()) return [await verifyFile(target, workers)];
  const collection = await openCollection(target).catch((error: unknown) => {
    if (error instanceof ArchiveError) return undefined;
    throw error;
  });
  const reports =
    collection === undefined
      ? [await verifyRecording(target, workers === undefined ? {} : { workers })]
      : await Promise.all(
          (await listRecordings(collection)).map((r) =>
            verifyRecording(collection, r.id, workers === undefined ? {} : { workers }),
          ),
        );
  return reports.map((report) => ({
    target: collection === undefined ? target : `${target}/${report.id}`,
    ok: report.ok,
    problems: report.problems.map((p) => ({ code: p.code, byteOffset: p.byteOffset ?? null, message: p.message })),
  }));
}

async function verifyFile(path: string, workers: number | undefined): Promise<VerifyResult> {
  const source = await fileSource(path);
  try {
    const index = await buildIndex(source, workers === undefined ? {} : { workers });
    const problems: VerifyResult["problems"] = index.problems.map((p) => ({
      code: p.code,
      byteOffset: p.byteOffset,
      message: p.message,
    }));
    const sidecarPath = sidecarPathOf(path);
    const sidecar = await readFile(sidecarPath).catch(() => undefined);
    if (sidecar !== undefined) {
      try {
        const stored = writeSidecar(readSidecar(new Uint8Array(sidecar), source.size));
        if (Buffer.compare(Buffer.from(stored), Buffer.from(writeSidecar(index))) !== 0) {
          problems.push({
            code: "stale-sidecar",
            byteOffset: null,
            message: `${sidecarPath} does not match the file: run granule index again`,
          });
        }
      } catch (error) {
        problems.push({
          code: "bad-sidecar",
          byteOffset: null,
          message: `${sidecarPath}: ${(error as Error).message}`,
        });
      }
    }
    return { target: path, ok: problems.length === 0, problems };
  } finally {
    await source.close();
  }
}
