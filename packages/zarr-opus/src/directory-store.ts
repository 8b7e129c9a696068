import { link, lstat, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import type { GetOptions } from "@zarrita/storage";
import { ArchiveError } from "./errors.ts";
import {
  type AbsolutePath,
  lastSegment,
  noteObjectFacts,
  type OwnerState,
  type RangeQuery,
  randomSuffix,
  type StoreWriter,
  type TemporaryPurpose,
  type WritableStore,
} from "./store.ts";

/** Temporary prefixes and files created by this process that are still in use (any store instance). */
const activeTemporaries = new Set<string>();

/** A temporary prefix or file older than this is abandoned even if its process id is in use again. */
const ABANDONED_AFTER_MS = 24 * 60 * 60 * 1000;

const HOST = hostname().replace(/[^A-Za-z0-9]/g, "") || "host";

/**
 * The end of a temporary name that says which process made it: `-<host>-<pid>-<12 hex>` of a
 * prefix (`.importing-<host>-<pid>-<hex>`), `.<host>-<pid>-<hex>.tmp` of a file being written.
 */
const OWNED_NAME = /[-.]([A-Za-z0-9]+)-(\d+)-[0-9a-f]{12}(?:\.tmp)?$/;

/**
 * A store in a local directory: keys are files under `root`. Writes of whole objects go to a
 * temporary file renamed over the target, so readers in other processes see the old or the
 * new object, never half of one; `rename` of a prefix is the file system's directory rename,
 * atomic on POSIX, and refuses a non-empty destination.
 */
export class DirectoryStore implements WritableStore {
  readonly description: string;

  constructor(readonly root: string) {
    this.description = root;
  }

  private pathOf(key: string): string {
    const segments = key.split("/").filter((s) => s !== "");
    if (segments.some((s) => s === "." || s === "..")) {
      throw new ArchiveError("invalid-argument", `key ${key} leaves the archive`, { key });
    }
    return join(this.root, ...segments);
  }

  async get(key: AbsolutePath, options?: GetOptions): Promise<Uint8Array | undefined> {
    const signal = options?.signal;
    try {
      signal?.throwIfAborted();
      const buffer = await readFile(this.pathOf(key), signal ? { signal } : undefined);
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (isMissing(error)) return undefined;
      throw ioError(error, key);
    }
  }

  /** Notes the file's size and version (device, inode, size, modification time) on the bytes. */
  async getRange(key: AbsolutePath, range: RangeQuery, options?: GetOptions): Promise<Uint8Array | undefined> {
    const signal = options?.signal;
    signal?.throwIfAborted();
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.pathOf(key), "r");
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw ioError(error, key);
    }
    try {
      const info = await handle.stat();
      const size = info.size;
      const length = "suffixLength" in range ? Math.min(size, range.suffixLength) : range.length;
      const offset = "suffixLength" in range ? size - length : range.offset;
      const bytes = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        signal?.throwIfAborted();
        const { bytesRead } = await handle.read(bytes, done, length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      const result = done === length ? bytes : bytes.subarray(0, done);
      return noteObjectFacts(result, {
        byteLength: size,
        version: `${info.dev}:${info.ino}:${size}:${info.mtimeMs}`,
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw ioError(error, key);
    } finally {
      await handle.close();
    }
  }

  /** A name for a file being written next to `path`, saying which process writes it. */
  private temporaryFile(path: string): string {
    const temporary = `${path}.${HOST}-${process.pid}-${randomSuffix()}.tmp`;
    activeTemporaries.add(basename(temporary));
    return temporary;
  }

  async set(key: AbsolutePath, value: Uint8Array): Promise<void> {
    const path = this.pathOf(key);
    const temporary = this.temporaryFile(path);
    try {
      await mkdir(dirname(path), { recursive: true });
      const handle = await open(temporary, "wx");
      try {
        await handle.writeFile(value);
      } finally {
        await handle.close();
      }
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true }).catch(() => undefined);
      throw ioError(error, key);
    } finally {
      activeTemporaries.delete(basename(temporary));
    }
  }

  async createWriter(key: AbsolutePath): Promise<StoreWriter> {
    const path = this.pathOf(key);
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      await mkdir(dirname(path), { recursive: true });
      handle = await open(path, "wx");
    } catch (error) {
      throw ioError(error, key);
    }
    let position = 0;
    return {
      async write(bytes) {
        let done = 0;
        try {
          while (done < bytes.length) {
            const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position + done);
            done += bytesWritten;
          }
        } catch (error) {
          await handle.close().catch(() => undefined);
          throw ioError(error, key);
        }
        position += done;
      },
      close: () => handle.close(),
    };
  }

  async claim(key: AbsolutePath, value: Uint8Array): Promise<boolean> {
    const path = this.pathOf(key);
    const temporary = this.temporaryFile(path);
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(temporary, value, { flag: "wx" });
      // A hard link appears whole and fails if the name exists: an exclusive create with content.
      await link(temporary, path);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw ioError(error, key);
    } finally {
      await rm(temporary, { force: true }).catch(() => undefined);
      activeTemporaries.delete(basename(temporary));
    }
  }

  async listChildren(prefix: AbsolutePath): Promise<string[]> {
    return this.list(prefix, true);
  }

  async listObjects(prefix: AbsolutePath): Promise<string[]> {
    return this.list(prefix, false);
  }

  private async list(prefix: AbsolutePath, directories: boolean): Promise<string[]> {
    try {
      const entries = await readdir(this.pathOf(prefix), { withFileTypes: true });
      return entries.filter((e) => (directories ? e.isDirectory() : e.isFile())).map((e) => e.name);
    } catch (error) {
      if (isMissing(error)) return [];
      throw ioError(error, prefix);
    }
  }

  async rename(from: AbsolutePath, to: AbsolutePath): Promise<boolean> {
    const target = this.pathOf(to);
    try {
      await mkdir(dirname(target), { recursive: true });
    } catch (error) {
      throw ioError(error, to);
    }
    try {
      await rename(this.pathOf(from), target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // The destination holds something: rename(2) replaces only an empty directory.
      if (code === "ENOTEMPTY" || code === "EEXIST") return false;
      if (code === "ENOENT")
        throw new ArchiveError("not-found", `nothing to move at ${from}`, { key: from, cause: error });
      // Anything else (EPERM, EACCES, EROFS, EXDEV, ...) is a failure, not a taken name, unless
      // something does sit at the target: a file there gives ENOTDIR, and Windows says EPERM.
      if (await exists(target)) return false;
      throw ioError(error, from);
    }
    activeTemporaries.delete(lastSegment(from));
    return true;
  }

  async remove(prefix: AbsolutePath): Promise<void> {
    try {
      await rm(this.pathOf(prefix), { recursive: true, force: true, maxRetries: 3 });
    } catch (error) {
      throw ioError(error, prefix);
    }
    activeTemporaries.delete(lastSegment(prefix));
  }

  temporaryName(purpose: TemporaryPurpose): string {
    // Host and process id let a later process tell whether the one that made it still runs.
    const name = `.${purpose}-${HOST}-${process.pid}-${randomSuffix()}`;
    activeTemporaries.add(name);
    return name;
  }

  ownerState(key: string): OwnerState {
    const name = lastSegment(key);
    if (activeTemporaries.has(name)) return "running";
    const match = OWNED_NAME.exec(name);
    if (match === null || match[1] !== HOST) return "unknown";
    const pid = Number(match[2]);
    // Ours but no longer in use, or a process of this host: whether it still runs.
    if (pid === process.pid) return "gone";
    return processRuns(pid) ? "running" : "gone";
  }

  async isAbandoned(key: AbsolutePath): Promise<boolean> {
    const state = this.ownerState(key);
    if (state === "gone") return true;
    if (activeTemporaries.has(lastSegment(key))) return false;
    // Another host's (or a process id in use again): abandoned once it is a day old, by the
    // modification time the file system gives it.
    try {
      return Date.now() - (await stat(this.pathOf(key))).mtimeMs > ABANDONED_AFTER_MS;
    } catch {
      return false;
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR";
}

function ioError(error: unknown, key: string): unknown {
  if (error instanceof ArchiveError) return error;
  return new ArchiveError("io", `file system: ${(error as Error).message}`, { key, cause: error });
}
