import { lstatSync } from "node:fs";
import { link, lstat, mkdir, open, opendir, readdir, readFile, rename, rm, unlink, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { ArchiveError } from "./errors.ts";
import { ownerTag } from "./leases.ts";
import { nodeIdentity } from "./node-identity.ts";
import {
  type AbsolutePath,
  type GetOptions,
  type RangeQuery,
  type RangeRead,
  randomSuffix,
  type StoreWriter,
  type WritableStore,
} from "./store.ts";

/**
 * A store in a local directory: keys are files under `root`. Writes of whole objects go to a
 * temporary file (`<name>.<host>-<pid>-<12 hex>.tmp`, the pattern leases.ts recognises) renamed
 * over the target, so readers in other processes see the old or the new object, never half of
 * one; `rename` of a prefix is the file system's directory rename, atomic on POSIX, and refuses
 * a non-empty destination. Nothing is written through a symbolic link inside the archive (the
 * root itself may be one): a planted link fails the write with `io` instead of sending the
 * bytes elsewhere.
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

  /** Gives the file's size and version (device, inode, size, modification time) with the bytes. */
  async getRange(key: AbsolutePath, range: RangeQuery, options?: GetOptions): Promise<RangeRead | undefined> {
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
      return {
        bytes: done === length ? bytes : bytes.subarray(0, done),
        size,
        version: `${info.dev}:${info.ino}:${size}:${info.mtimeMs}`,
      };
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw ioError(error, key);
    } finally {
      await handle.close();
    }
  }

  /** A name for a file being written next to `path`, saying which process writes it. */
  private temporaryFile(path: string): string {
    return `${path}.${ownerTag(nodeIdentity)}-${randomSuffix()}.tmp`;
  }

  /**
   * Creates the directories of `path` below the root and checks that none of them (and not
   * `path` itself) is a symbolic link: the archive's own files are never links.
   */
  private async prepare(path: string, key: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    const parts = relative(this.root, path).split(sep);
    let at = this.root;
    for (const part of parts) {
      at = join(at, part);
      const info = await lstat(at).catch(() => undefined);
      if (info?.isSymbolicLink()) {
        throw new ArchiveError("io", `${at} is a symbolic link: the archive does not write through links`, { key });
      }
    }
  }

  async set(key: AbsolutePath, value: Uint8Array, options?: GetOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    const path = this.pathOf(key);
    const temporary = this.temporaryFile(path);
    try {
      await this.prepare(path, key);
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
    }
  }

  /** Writes the file in place (it is new, inside a temporary prefix of its own import). */
  async createWriter(key: AbsolutePath): Promise<StoreWriter> {
    const path = this.pathOf(key);
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      await this.prepare(path, key);
      handle = await open(path, "wx");
    } catch (error) {
      throw ioError(error, key);
    }
    let position = 0;
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await handle.close();
    };
    return {
      async write(bytes) {
        let done = 0;
        try {
          while (done < bytes.length) {
            const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position + done);
            done += bytesWritten;
          }
        } catch (error) {
          await close().catch(() => undefined);
          throw ioError(error, key);
        }
        position += done;
      },
      close,
      async abort() {
        await close().catch(() => undefined);
        await rm(path, { force: true }).catch(() => undefined);
      },
    };
  }

  async createExclusive(key: AbsolutePath, value: Uint8Array): Promise<boolean> {
    const path = this.pathOf(key);
    const temporary = this.temporaryFile(path);
    try {
      await this.prepare(path, key);
      await writeFile(temporary, value, { flag: "wx" });
      // A hard link appears whole and fails if the name exists: an exclusive create with content.
      await link(temporary, path);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw ioError(error, key);
    } finally {
      // unlink, not rm: rm looks the name up first (an lstat), and this runs once per exclusive create.
      await unlink(temporary).catch(() => undefined);
    }
  }

  async listChildren(prefix: AbsolutePath): Promise<string[]> {
    return this.list(prefix, true);
  }

  async listObjects(prefix: AbsolutePath): Promise<string[]> {
    return this.list(prefix, false);
  }

  /**
   * Whether an object is directly under `prefix`, read up to the first one: the content index
   * asks it of a folder that holds a name for every recording of one byte length (10,000
   * one-second files of one size made every import list 10,000 names).
   */
  async hasObjects(prefix: AbsolutePath): Promise<boolean> {
    try {
      // The loop closes the folder however it ends.
      for await (const entry of await opendir(this.pathOf(prefix))) if (entry.isFile()) return true;
      return false;
    } catch (error) {
      if (isMissing(error)) return false;
      throw ioError(error, prefix);
    }
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
      await this.prepare(target, to);
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
    return true;
  }

  async remove(prefix: AbsolutePath): Promise<void> {
    try {
      await rm(this.pathOf(prefix), { recursive: true, force: true, maxRetries: 3 });
    } catch (error) {
      throw ioError(error, prefix);
    }
  }

  /**
   * Size, modification and change times and the inode: an edit in place changes the
   * modification time, a replacement (a write through a temporary file) the change time and
   * the inode too, and no tool sets the change time back. A copy of the archive changes them
   * all (the inode also where the runtime keeps change times to the second, as Deno does, and a
   * copy made within that second would otherwise look the same): its recordings are read again.
   */
  async stamps(keys: AbsolutePath[]): Promise<(string | undefined)[]> {
    const out: (string | undefined)[] = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      // Synchronous, a batch at a time: a stat answered from the inode cache takes microseconds,
      // and each trip through the thread pool cost more than the call (10,000 stamps: 45 ms so,
      // 130-340 ms with fs.promises.lstat, 32 at a time, measured on a busy two-core machine).
      if (i % 512 === 511) await new Promise((resolve) => setImmediate(resolve));
      let info: ReturnType<typeof lstatSync>;
      try {
        info = lstatSync(this.pathOf(keys[i]!), { throwIfNoEntry: false });
      } catch {
        info = undefined; // ENOTDIR and the like: nothing is there either
      }
      out[i] = info?.isFile() ? `${info.size}:${info.mtimeMs}:${info.ctimeMs}:${info.ino}` : undefined;
    }
    return out;
  }

  async modifiedAt(key: AbsolutePath): Promise<number | undefined> {
    try {
      return (await lstat(this.pathOf(key))).mtimeMs;
    } catch {
      return undefined;
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

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR";
}

function ioError(error: unknown, key: string): unknown {
  if (error instanceof ArchiveError) return error;
  return new ArchiveError("io", `file system: ${(error as Error).message}`, { key, cause: error });
}
