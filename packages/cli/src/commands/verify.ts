import { readFile, stat } from "node:fs/promises";
import { buildIndex, readSidecar, writeSidecar } from "@granule/opus-index";
import { fileSource } from "@granule/opus-index/node";
import {
  ArchiveError,
  findDamagedRecordings,
  HttpStore,
  listRecordings,
  openCollection,
  verifyRecording,
} from "@granule/zarr-opus/node";
import type { CommandContext } from "../program/context.ts";
import { sidecarPathOf, warnOn } from "../source.ts";
import { parseCount } from "../time.ts";
import { EXIT_BAD_DATA, EXIT_OK, UsageError } from "../usage-error.ts";

export async function runVerifyCommand(
  target: string,
  options: { workers?: string; json?: boolean },
  context: CommandContext,
): Promise<void> {
  const results = await runVerify(
    target,
    options.workers === undefined ? undefined : parseCount(options.workers, "--workers"),
    warnOn(context.io),
  );
  if (options.json) context.json(results);
  else {
    for (const r of results) {
      context.io.out(`${r.target}: ${r.ok ? "ok" : `${r.problems.length} problem(s)`}\n`);
      for (const p of r.problems)
        context.io.out(`  ${p.byteOffset === null ? "" : `byte ${p.byteOffset}: `}${p.code}: ${p.message}\n`);
    }
  }
  if (results.length === 0) throw new UsageError(`${target}: nothing to verify`);
  context.state.exitCode = results.every((r) => r.ok) ? EXIT_OK : EXIT_BAD_DATA;
}

export interface VerifyResult {
  target: string;
  ok: boolean;
  problems: { code: string; byteOffset: number | null; message: string }[];
}

/**
 * `granule verify`: a plain file (every page's CRC, the stream's structure, and its sidecar if
 * there is one); an archived recording (SHA-256, page CRCs, index); or a whole archive.
 */
export async function runVerify(
  target: string,
  workers: number | undefined,
  onWarning?: (message: string) => void,
): Promise<VerifyResult[]> {
  const remote = /^https?:\/\//i.test(target);
  // Over HTTP, one store (one client) for the whole run: a server's warning is said once.
  const location = remote ? new HttpStore(target, onWarning ? { onWarning: (w) => onWarning(w.message) } : {}) : target;
  const info = remote ? undefined : await stat(target).catch(() => undefined);
  if (!remote && info === undefined) throw new UsageError(`${target}: no such file or directory`);
  if (info?.isFile()) return [await verifyFile(target, workers)];
  const collection = await openCollection(location).catch((error: unknown) => {
    if (error instanceof ArchiveError) return undefined;
    throw error;
  });
  const options = workers === undefined ? {} : { workers };
  if (collection === undefined) return [fromReport(target, await verifyRecording(location, options))];
  // One recording at a time: each reads every byte of its recording, with its own index workers.
  const results: VerifyResult[] = [];
  for (const { id } of await listRecordings(collection)) {
    const where = `${target}/${id}`;
    try {
      results.push(fromReport(where, await verifyRecording(collection, id, options)));
    } catch (error) {
      // A server's fault says nothing about the recording: stop, and say what the server did.
      if ((error as Error)?.name === "ByteSourceError") throw error;
      // A recording too damaged to open is a finding, not a reason to stop checking the others.
      const e = error as Error & { code?: string };
      results.push({
        target: where,
        ok: false,
        problems: [{ code: e.code ?? "error", byteOffset: null, message: e.message }],
      });
    }
  }
  // Recordings too damaged to be listed (no or unreadable metadata, never completed).
  for (const damaged of await findDamagedRecordings(collection)) {
    results.push({
      target: `${target}/${damaged.id}`,
      ok: false,
      problems: [{ code: damaged.code, byteOffset: null, message: damaged.message }],
    });
  }
  return results;
}

function fromReport(
  target: string,
  report: { ok: boolean; problems: { code: string; byteOffset?: number; message: string }[] },
): VerifyResult {
  return {
    target,
    ok: report.ok,
    problems: report.problems.map((p) => ({ code: p.code, byteOffset: p.byteOffset ?? null, message: p.message })),
  };
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
        // readSidecar checks magic, version, checksum and size; the writer is deterministic, so
        // the stored bytes equal a fresh sidecar exactly when the index is the same.
        readSidecar(new Uint8Array(sidecar), source.size);
        if (Buffer.compare(sidecar, Buffer.from(writeSidecar(index))) !== 0) {
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
