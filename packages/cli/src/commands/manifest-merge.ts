import { readFile } from "node:fs/promises";
import { basename, dirname, posix, relative, resolve, sep } from "node:path";
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
  // One job: every part's rows name the same job, of the same outputs (manifests written
  // before parts named their job have neither column, and are checked by n alone).
  for (const column of ["job", "job_outputs"]) {
    const first = rows.find((r) => r.row[column] !== undefined);
    const other = rows.find((r) => first !== undefined && String(r.row[column]) !== String(first.row[column]));
    if (first !== undefined && other !== undefined) {
      throw new UsageError(
        `${first.file} and ${other.file} are parts of different jobs (${column} ${first.row[column]} and ${other.row[column]}): run every part with the same command`,
      );
    }
  }
  rows.sort((a, b) => Number(a.row.n) - Number(b.row.n));
  for (let i = 1; i < rows.length; i++) {
    if (rows[i]!.row.n === rows[i - 1]!.row.n) {
      throw new UsageError(`output n=${rows[i]!.row.n} is in ${rows[i - 1]!.file} and ${rows[i]!.file}`);
    }
  }
  // Every output of the plan, each once: n runs 1 to the job's outputs (or to the last n).
  const planned = rows[0]?.row.job_outputs === undefined ? rows.length : Number(rows[0].row.job_outputs);
  const lost = rows.findIndex((r, i) => Number(r.row.n) !== i + 1);
  if (lost >= 0 || rows.length !== planned) {
    const n = lost >= 0 ? lost + 1 : rows.length + 1;
    throw new UsageError(
      `output n=${n} of ${planned} is in no part's manifest: a part's manifest lost rows, or the parts are of different runs`,
    );
  }
  // Each row's file, relative to the merged manifest's folder (parts may be in folders of their own).
  const into = args.output === "-" ? process.cwd() : dirname(resolve(args.output));
  for (const r of rows) {
    const file = String(r.row.file);
    if (file === "-" || file === "") continue;
    r.row.file = relative(into, resolve(dirname(r.file), file))
      .split(sep)
      .join(posix.sep);
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
