import { randomBytes } from "node:crypto";
import { closeSync, linkSync, lstatSync, openSync, renameSync, unlinkSync, write, writeSync } from "node:fs";
import { lstat, mkdir, stat } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { UsageError } from "./usage-error.ts";

/** An output being written: it appears under its name, whole, on `close()`, or not at all. */
export interface OutputFile {
  readonly path: string;
  write(bytes: Uint8Array): Promise<void>;
  /** Writes bytes at a byte offset of the file (a stacked array filled out of order). */
  writeAt(bytes: Uint8Array, byteOffset: number): Promise<void>;
  close(): Promise<void>;
  /** Removes what was written; the output never appears. */
  abort(): Promise<void>;
}

export interface OutputOptions {
  /** Replace an existing file (never writing through a link: the link itself is replaced). */
  overwrite: boolean;
}

/**
 * Temporary names: the process, a tag drawn once and a count keep them apart (and "wx" refuses
 * one that exists); a random draw per file cost 27 us, 81 ms for a 3,000-file dataset.
 */
const TEMPORARY_TAG = randomBytes(4).toString("hex");
let temporaries = 0;

/** Outputs being written by this process, so an interrupt can remove them. */
const inProgress = new Set<OutputFile>();

/** Removes every output still being written (on Ctrl-C): nothing half-written is left behind. */
export async function abortOpenOutputs(): Promise<void> {
  await Promise.all([...inProgress].map((output) => output.abort()));
}

/**
 * Writes up to this size are made synchronously: a 2 s segment's file (192-384 KB) is written
 * in the time a promise-based write takes just to be dispatched and answered. Larger ones (a long
 * segment's chunks, a stacked array) go to the thread pool, so this thread decodes meanwhile.
 */
const SYNC_WRITE_BYTES = 1024 * 1024;

/**
 * Opens an output file. The bytes go to a hidden temporary file next to it, which then takes
 * the output's name: with a hard link that fails if the name exists (so an existing file,
 * or a link someone planted there, is never replaced unless `overwrite`), or with `overwrite`
 * by a rename over it (which replaces a link, not what it points to). Refuses at once when
 * the name exists and `overwrite` is off, before any work.
 *
 * The file-system calls around the bytes (open, close, link, unlink, rename) are synchronous:
 * each promise-based one cost 80-100 us of this thread and a round trip to the thread pool,
 * 1.1 ms of CPU per output in all against 0.5 ms so (300 files of 576 KB on a 2-core VM: 390
 * against 155 ms), and a dataset makes thousands of outputs while this thread also decodes.
 */
export async function openOutput(path: string, options: OutputOptions): Promise<OutputFile> {
  if (!options.overwrite && (await outputExists(path))) {
    throw new UsageError(`${path} exists: pass --overwrite to replace it`);
  }
  await folderFor(path);
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}-${TEMPORARY_TAG}-${++temporaries}.part`);
  const fd = openSync(temporary, "wx");
  let position = 0;
  let finished = false;
  // Writes on the thread pool (a stacked array's may overlap): the descriptor is closed only
  // after they end, since a number closed under one could be reused by the next open.
  const inFlight = new Set<Promise<number>>();
  const writeAll = async (bytes: Uint8Array, byteOffset: number) => {
    let done = 0;
    while (done < bytes.length) {
      const length = bytes.length - done;
      if (length <= SYNC_WRITE_BYTES) {
        done += writeSync(fd, bytes, done, length, byteOffset + done);
      } else {
        const writing = writeAsync(fd, bytes, done, length, byteOffset + done);
        inFlight.add(writing);
        try {
          done += await writing;
        } finally {
          inFlight.delete(writing);
        }
      }
    }
  };
  const closeWhenIdle = async () => {
    await Promise.allSettled(inFlight);
    closeSync(fd);
  };
  const output: OutputFile = {
    path,
    async write(bytes) {
      await writeAll(bytes, position);
      position += bytes.length;
    },
    async writeAt(bytes, byteOffset) {
      await writeAll(bytes, byteOffset);
    },
    async close() {
      if (finished) return;
      finished = true;
      inProgress.delete(output);
      try {
        await closeWhenIdle();
        if (options.overwrite) {
          renameSync(temporary, path);
        } else {
          try {
            linkSync(temporary, path);
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code === "EEXIST") {
              throw new UsageError(`${path} appeared while it was being written: pass --overwrite to replace it`);
            }
            throw error;
          }
          // unlink, not rm: rm looks the name up first, an lstat per output (of 3,000, say).
          unlinkSync(temporary);
        }
      } catch (error) {
        removeQuietly(temporary);
        throw error;
      }
    },
    async abort() {
      if (finished) return;
      finished = true;
      inProgress.delete(output);
      try {
        await closeWhenIdle();
      } catch {
        // closed already, or never usable: the file is removed all the same
      }
      removeQuietly(temporary);
    },
  };
  inProgress.add(output);
  return output;
}

function writeAsync(fd: number, bytes: Uint8Array, offset: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    write(fd, bytes, offset, length, position, (error, written) => (error ? reject(error) : resolve(written)));
  });
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone, or never made
  }
}

/** Folders this process has made or found, so that a dataset's outputs make theirs once. */
const foldersMade = new Set<string>();

async function folderFor(path: string): Promise<void> {
  const folder = dirname(path);
  if (foldersMade.has(folder)) return;
  await mkdir(folder, { recursive: true });
  foldersMade.add(folder);
}

/** Writes a whole output at once (see `openOutput`). */
export async function writeOutput(path: string, bytes: Uint8Array, options: OutputOptions): Promise<void> {
  const output = await openOutput(path, options);
  try {
    await output.write(bytes);
    await output.close();
  } catch (error) {
    await output.abort();
    throw error;
  }
}

/**
 * The path of `name` (a relative path, maybe with folders) inside `outDir`, checking that it
 * stays inside and that no folder on the way below `outDir` is a symbolic link (a link planted
 * there would send the output elsewhere). `outDir` itself may be a link: the user named it.
 */
export async function pathInside(outDir: string, name: string): Promise<string> {
  if (isAbsolute(name) || name.split(/[\\/]/).some((part) => part === ".." || part === "")) {
    throw new UsageError(`output name "${name}" must be a relative path inside --out-dir`);
  }
  const root = resolve(outDir);
  const path = resolve(root, name);
  if (!path.startsWith(root + sep)) throw new UsageError(`output name "${name}" leaves --out-dir`);
  let at = root;
  for (const part of relative(root, dirname(path)).split(sep).filter(Boolean)) {
    at = join(at, part);
    const info = await lstat(at).catch(() => undefined);
    if (info?.isSymbolicLink()) throw new UsageError(`${at} is a symbolic link: granule does not write through links`);
  }
  return path;
}

/** Whether something (a file, a link, a folder) is at `path`. */
export async function outputExists(path: string): Promise<boolean> {
  // Synchronous, and without an error for the usual answer: a dataset checks thousands of
  // names, and a rejected lstat builds an error with its stack for each (0.3 s for 6,000).
  return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
}

/**
 * Refuses an output that is the input file itself (the same file by device and inode, under
 * any name or link): replacing the recording being read with its own extract, clip or index
 * destroys it, and `--overwrite` is a promise about other files, not about the source.
 */
export async function refuseSourceAsOutput(outputPath: string, sourcePath: string): Promise<void> {
  if (outputPath === "-") return;
  const [output, source] = await Promise.all([
    stat(outputPath).catch(() => undefined),
    stat(sourcePath).catch(() => undefined),
  ]);
  if (output !== undefined && source !== undefined && output.dev === source.dev && output.ino === source.ino) {
    throw new UsageError(`${outputPath} is the source ${sourcePath}: granule never replaces the recording it reads`);
  }
}
