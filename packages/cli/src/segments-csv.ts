import { parse } from "csv-parse/sync";
import { parseSample, parseTime } from "./time.ts";
import { UsageError } from "./usage-error.ts";

export interface NamedSegment {
  name: string;
  startSample: number;
  endSample: number;
  /** Where it came from ("calls.csv row 3"), for messages. */
  origin?: string;
}

/**
 * Segments from a CSV with a header: `start,end` (times, as on the command line) or
 * `start_sample,end_sample`, and an optional `name` column for output file names (else the
 * row number, zero-padded). Every problem names its row.
 */
export function parseSegmentsCsv(text: string, sampleRate: number, file = "segments CSV"): NamedSegment[] {
  return readSegmentsCsv(text, sampleRate, file).segments;
}

/** `parseSegmentsCsv`, and whether the rows give times (so that messages speak of times). */
export function readSegmentsCsv(
  text: string,
  sampleRate: number,
  file = "segments CSV",
): { segments: NamedSegment[]; byTime: boolean } {
  let rows: Record<string, string>[];
  try {
    rows = parse(text, {
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
    });
  } catch (error) {
    throw new UsageError(`${file}: ${(error as Error).message}`);
  }
  if (rows.length === 0) throw new UsageError(`${file} has no rows`);
  const columns = Object.keys(rows[0]!);
  const bySample = columns.includes("start_sample") && columns.includes("end_sample");
  const byTime = columns.includes("start") && columns.includes("end");
  if (!bySample && !byTime) {
    throw new UsageError(
      `${file} needs columns start,end (times) or start_sample,end_sample; it has ${columns.join(",")}`,
    );
  }
  const width = String(rows.length).length;
  const names = new Set<string>();
  const segments = rows.map((row, i) => {
    const where = `${file} row ${i + 2}`;
    const startSample = bySample
      ? parseSample(row.start_sample!, `${where} start_sample`)
      : parseTime(row.start!, sampleRate, `${where} start`);
    const endSample = bySample
      ? parseSample(row.end_sample!, `${where} end_sample`)
      : parseTime(row.end!, sampleRate, `${where} end`);
    const name = row.name ? row.name : String(i + 1).padStart(width, "0");
    if (!/^[\w.-]+$/.test(name) || name === "." || name === "..") {
      throw new UsageError(`${where}: name "${name}" may hold only letters, digits, ".", "-" and "_"`);
    }
    if (names.has(name))
      throw new UsageError(`${where}: name "${name}" is used twice, so one output would overwrite the other`);
    names.add(name);
    return { name, startSample, endSample, origin: where };
  });
  return { segments, byTime: !bySample };
}
