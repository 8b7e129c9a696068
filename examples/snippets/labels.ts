import { outputNames, readTable, rowSamples, writeTable } from "@granule/labels";

// A Raven Pro selection table (tab-separated), as Raven saves it.
const raven = [
  "Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tSpecies",
  "1\tSpectrogram 1\t1\t1.897648165999982\t4.110563\t1326.3\t3266.5\tWOTH",
  "2\tSpectrogram 1\t1\t10.5\t12.5\t2000\t6000\tAMRO",
].join("\n");

const table = readTable(raven, { file: "marsh.Table.1.selections.txt" }); // format from the content
const first = table.rows[0];
if (first === undefined) throw new Error("unreachable");
console.log(table.format, first.label, first.lowHz, first.highHz); // raven WOTH 1326.3 3266.5

// Seconds become samples at the recording's TRUE rate, by one rounding rule (docs/labels.md).
const { startSample, endSample } = rowSamples(first, 48_000);
console.log(startSample, endSample); // 91087 197307

// Written back in another format, positions exact: the seconds as they were written.
const audacity = writeTable(table, "audacity");
console.log(audacity.split("\n")[0]); // 1.897648165999982	4.110563	WOTH

// Output names from a template over each row; safe for any file system, never colliding.
const names = outputNames(
  "{label}/{label}-{start_sample}",
  table.rows.map((row) => ({ row, ...rowSamples(row, 48_000) })),
);
console.log(names.join(" ")); // WOTH/WOTH-91087 AMRO/AMRO-504000
