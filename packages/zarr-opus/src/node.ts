// Node entry: local directory archives, node:crypto SHA-256 and worker_threads indexing, and
// files as import sources. Everything in the main entry is here too.
import { createHash } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { basename, join, resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gzip as zlibGzip } from "node:zlib";
import type { ByteSource } from "@granule/opus-index";
import { buildIndex, fileSource } from "@granule/opus-index/node";
import { bindApi, resolveHttp } from "./api.ts";
import type { Collection } from "./collection.ts";
import { DirectoryStore } from "./directory-store.ts";
import { ArchiveError } from "./errors.ts";
import { type ImportOptions, type ImportResult, importRecording as importFromSource } from "./import-recording.ts";
import { releaseTemporary, temporaryName } from "./leases.ts";
import { nodeIdentity } from "./node-identity.ts";
import type { Sha256Factory } from "./sha256.ts";
import type { ArchiveStore } from "./store.ts";

/** SHA-256 by OpenSSL (SHA-NI where the CPU has it): several times the pure JavaScript one. */
export const nodeSha256: Sha256Factory = () => {
  const hash = createHash("sha256");
  return {
    update: (bytes) => {
      hash.update(bytes);
    },
    digestHex: () => hash.digest("hex"),
  };
};

/** Plain paths and `file:` URLs are local directories; `http(s):` URLs are read-only archives. */
function resolveNode(location: string | URL): ArchiveStore {
  const text = String(location);
  if (/^https?:\/\//i.test(text)) return resolveHttp(text);
  const path = text.startsWith("file:") ? fileURLToPath(text) : text;
  return new DirectoryStore(resolvePath(path));
}

const gzipAsync = promisify(zlibGzip);

/** zlib's gzip on the libuv thread pool: the index arrays compress in parallel, off the main thread. */
async function nodeGzip(bytes: Uint8Array): Promise<Uint8Array> {
  const out = await gzipAsync(bytes, { level: 6 });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

const api = bindApi({ sha256: nodeSha256, buildIndex, gzip: nodeGzip, identity: nodeIdentity }, resolveNode);

export const openCollection = api.openCollection;
export const openRecording = api.openRecording;
export const verifyRecording = api.verifyRecording;

/**
 * `importRecording` that also takes a file path (or `file:` URL) as the source; the file's
 * base name becomes `sourceName` (and gives the start time if it is a recorder's name).
 */
export async function importRecording(
  collection: Collection,
  source: string | URL | ByteSource | Uint8Array,
  options: ImportOptions = {},
): Promise<ImportResult> {
  if (typeof source !== "string" && !(source instanceof URL)) return importFromSource(collection, source, options);
  const path = source instanceof URL || source.startsWith("file:") ? fileURLToPath(source) : source;
  const file = await fileSource(path);
  try {
    return await importFromSource(collection, file, { sourceName: basename(path), ...options });
  } finally {
    await file.close();
  }
}

/**
 * A scratch folder inside a local collection, for files on their way to becoming recordings
 * (a recorder's WAV encoded to Opus before its import): on the same file system as the
 * archive, hidden from readers, removed by `release()`, and removed by the next cleanup if the
 * process that made it was killed.
 */
export async function scratchFolder(collection: Collection): Promise<{ path: string; release(): Promise<void> }> {
  if (!(collection.store instanceof DirectoryStore)) {
    throw new ArchiveError("invalid-argument", "a scratch folder needs a collection in a local directory");
  }
  const name = temporaryName(collection.platform.identity, "scratch");
  const path = join(collection.store.root, ...collection.child(name).split("/").filter(Boolean));
  await mkdir(path, { recursive: true });
  return {
    path,
    release: async () => {
      await rm(path, { recursive: true, force: true });
      releaseTemporary(name);
    },
  };
}

export * from "./shared-exports.ts";
export { DirectoryStore };
