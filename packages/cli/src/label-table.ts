import { closeSync, openSync, readSync } from "node:fs";
import { LABEL_FORMATS, LabelError, type LabelFormat, type LabelTable, readTable } from "@granule/labels";
import { UsageError } from "./usage-error.ts";

// The label tables `--segments` takes, read alike by every command that takes them (extract,
// spectrogram): the format detected from the content, or forced with `--segments-format`.

/**
 * Names when `--name` is not given: a plain CSV's own `name` column (as before tables of
 * other formats were read), the row's number otherwise; windows by recording and start.
 */
export function defaultNameTemplate(table: LabelTable | undefined, windows: boolean): string {
  if (windows) return "{recording}-{start_sample}";
  if (table?.format === "csv" && table.columns.some((c) => c.trim().toLowerCase() === "name")) {
    const column = table.columns.find((c) => c.trim().toLowerCase() === "name")!;
    return `{fields.${column}}`;
  }
  return table === undefined ? "segment" : "{n}";
}

/** The label table at `path`, in the format its content shows or `forced`; every problem a usage error naming the row. */
export async function readLabelTable(path: string, forced: string | undefined, encoding?: string): Promise<LabelTable> {
  if (forced !== undefined && !LABEL_FORMATS.includes(forced as LabelFormat)) {
    throw new UsageError(`--segments-format must be ${LABEL_FORMATS.join(", ")}, not "${forced}"`);
  }
  const chunks = fileChunks(path, `${path}: cannot read the segments table`);
  try {
    const table = readTable(chunks, {
      file: path,
      ...(forced === undefined ? {} : { format: forced as LabelFormat }),
      ...(encoding === undefined ? {} : { encoding }),
    });
    if (table.rows.length === 0) throw new UsageError(`${path} has no rows`);
    return table;
  } catch (error) {
    if (error instanceof LabelError) {
      throw new UsageError(`${error.message}${error.code === "bad-encoding" ? " with --segments-encoding" : ""}`);
    }
    throw error;
  }
}

/** Bytes read at a time from a table's file. */
const CHUNK_BYTES = 4 << 20;

/**
 * A file's bytes, a chunk at a time into one buffer (readTable is done with each chunk before
 * it asks for the next): a season of results is never held as bytes and text at once. A file
 * that cannot be opened or read is a usage error with `message`.
 */
export function fileChunks(path: string, message: string): Iterable<Uint8Array> {
  return {
    *[Symbol.iterator]() {
      let fd: number;
      try {
        fd = openSync(path, "r");
      } catch {
        throw new UsageError(message);
      }
      const buffer = new Uint8Array(CHUNK_BYTES);
      try {
        for (;;) {
          let length: number;
          try {
            length = readSync(fd, buffer, 0, buffer.length, null);
          } catch {
            throw new UsageError(message);
          }
          if (length === 0) return;
          yield buffer.subarray(0, length);
        }
      } finally {
        closeSync(fd);
      }
    },
  };
}
