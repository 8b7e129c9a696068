// docs/format.md is the format's specification: its attribute table must say what the schema says.
import { readFileSync } from "node:fs";
import { attributeTable } from "@granule/zarr-opus";
import { describe, expect, it } from "vitest";

const doc = readFileSync(new URL("../../../docs/format.md", import.meta.url), "utf8");

/** The rows of the first Markdown table after `heading`, as trimmed cells. */
function tableAfter(heading: string): string[][] {
  const from = doc.indexOf(heading);
  const lines = doc.slice(from).split("\n");
  const start = lines.findIndex((line) => line.startsWith("|"));
  const rows: string[][] = [];
  for (const line of lines.slice(start)) {
    if (!line.startsWith("|")) break;
    rows.push(
      line
        .slice(1, -1)
        .split("|")
        .map((cell) => cell.trim()),
    );
  }
  return rows.slice(2); // the header and the rule
}

describe("docs/format.md", () => {
  it("lists exactly the recording attributes of the schema, with their types and meanings (scripts/attribute-table.mjs --write regenerates it)", () => {
    const documented = tableAfter("### Recording attributes");
    expect(documented).toEqual(attributeTable().map((r) => [r.attribute, r.type, r.meaning]));
  });
});
