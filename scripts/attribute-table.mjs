// Prints the attribute table of docs/format.md ("Recording attributes") from the schema in
// @granule/zarr-opus (run `npm run build` first); with --write, replaces it in docs/format.md.
// A test (packages/zarr-opus/test/format-doc.test.ts) fails when the two disagree.
import { readFileSync, writeFileSync } from "node:fs";
import { attributeTable } from "@granule/zarr-opus";

const rows = attributeTable();
const table = [
  "| attribute | type | meaning |",
  "| --- | --- | --- |",
  ...rows.map((r) => `| ${r.attribute} | ${r.type} | ${r.meaning} |`),
].join("\n");

if (process.argv.includes("--write")) {
  const path = new URL("../docs/format.md", import.meta.url);
  const text = readFileSync(path, "utf8");
  const start = text.indexOf("| attribute ");
  const end = text.indexOf("\n\n", start);
  writeFileSync(path, `${text.slice(0, start)}${table}${text.slice(end)}`);
} else {
  console.log(table);
}
