import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { parse } from "csv-parse/sync";
import { writeOutput } from "../output-file.ts";
import type { CommandContext } from "../program/context.ts";
import { writeStdout } from "../stdout.ts";
import { UsageError } from "../usage-error.ts";
import { type ManifestRow, manifestCsv } from "./manifest.ts";

export interface ManifestMergeArguments {
  output: string;
  overwrite?: boolean;
}

interface PartManifest {
  file: string;
  index: number;
  count: number;
  columns: string[];
  rows: ManifestRow[];
}

/**
 * `granule manifest merge`: the manifests of a split job's parts (`manifest-part-K-of-N.csv`)
 * as one, rows in the order of the whole plan (`n`). Refuses a set that is not exactly the N
 * parts of one job, or where two rows are the same output.
 */
export async function runManifestMerge(files: string[], args: ManifestMergeArguments, context: CommandContext) {
  const parts: PartManifest[] = [];
  for (const file of files) parts.push(await readPart(file));
  const count = parts[0]!.count;
  const seen = new Map<number, string>();
  for (const part of parts) {
    if (part.count !== count) {
      throw new UsageError(`${part.file} is part ${part.index} of ${part.count}, but ${parts[0]!.file} is of ${count}`);
    }
    const other = seen.get(part.index);
    if (other !== undefined) throw new UsageError(`${other} and ${part.file} are both part ${part.index} of ${count}`);
    seen.set(part.index, part.file);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((k) => !seen.has(k));
  if (missing.length > 0) {
    throw new UsageError(`part(s) ${missing.join(", ")} of ${count} are missing: every part's manifest is needed`);
  }
  const columns: string[] = [];
  for (const part of parts) for (const c of part.columns) if (!columns.includes(c)) columns.push(c);
  const rows = parts.flatMap((p) => p.rows.map((row) => ({ row, file: p.file })));
  rows.sort((a, b) => Number(a.row.n) - Number(b.row.n));
  for (let i = 1; i < rows.length; i++) {
    if (rows[i]!.row.n === rows[i - 1]!.row.n) {
      throw new UsageError(`output n=${rows[i]!.row.n} is in ${rows[i - 1]!.file} and ${rows[i]!.file}`);
    }
  }
  const text = new TextEncoder().encode(
    manifestCsv(
      rows.map((r) => r.row),
      columns,
    ),
  );
  if (args.output === "-") await writeStdout(text);
  else await writeOutput(args.output, text, { overwrite: args.overwrite ?? false });
  context.note(
    `merged ${count} part manifest(s), ${rows.length} output(s)${args.output === "-" ? "" : `, into ${args.output}`}`,
  );
}

async function readPart(file: string): Promise<PartManifest> {
  const text = await readFile(file, "utf8").catch(() => {
    throw new UsageError(`${file}: cannot read the manifest`);
  });
  let records: string[][];
  try {
    records = parse(text, { relax_column_count: false });
  } catch (error) {
    throw new UsageError(`${file}: ${(error as Error).message}`);
  }
  const [columns, ...cells] = records;
  if (columns === undefined || !columns.includes("n") || !columns.includes("file")) {
    throw new UsageError(`${file} is not a granule manifest (no file and n columns)`);
  }
  const rows = cells.map((line, i) => {
    const row: ManifestRow = Object.fromEntries(columns.map((c, j) => [c, line[j] ?? ""]));
    if (!/^\d+$/.test(String(row.n))) throw new UsageError(`${file} row ${i + 2}: n "${row.n}" is not a whole number`);
    return row;
  });
  // The part: from the file's name (a part with no outputs has no rows), else its rows.
  const named = /-part-(\d+)-of-(\d+)\.csv$/.exec(basename(file));
  const column = rows[0]?.part === undefined ? undefined : /^(\d+)\/(\d+)$/.exec(String(rows[0].part));
  const found = named ?? column;
  if (!found) {
    throw new UsageError(
      `${file}: which part is this? (expected a name like manifest-part-2-of-8.csv or a part column)`,
    );
  }
  const index = Number(found[1]);
  const count = Number(found[2]);
  for (const [i, row] of rows.entries()) {
    if (row.part !== undefined && row.part !== `${index}/${count}`) {
      throw new UsageError(`${file} row ${i + 2} says part ${row.part}, but the file is part ${index}/${count}`);
    }
  }
  return { file, index, count, columns, rows };
}
