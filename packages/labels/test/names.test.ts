import { LabelError, type LabelRow, type NameInput, outputNames, readTable } from "@granule/labels";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fixtureBytes } from "./fixtures.ts";

const row = (label: string | undefined, extra: Partial<LabelRow> = {}): LabelRow => ({
  row: 2,
  start: { sample: 48_000 },
  end: { sample: 96_000 },
  ...(label === undefined ? {} : { label }),
  fields: {},
  ...extra,
});
const inputs = (...labels: (string | undefined)[]): NameInput[] => labels.map((label) => ({ row: row(label) }));

/** What is unsafe about an output name (none: []), checked independently of the implementation. */
function unsafety(name: string, depth: number, maxBytes = 200): string[] {
  const problems: string[] = [];
  const segments = name.split("/");
  if (segments.length !== depth) problems.push(`depth ${segments.length}`);
  for (const segment of segments) {
    const problem = (what: string) => problems.push(`${JSON.stringify(segment)}: ${what}`);
    if (segment.length === 0) problem("empty");
    if (new TextEncoder().encode(segment).length > maxBytes) problem("too long");
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
    if (/[\u0000-\u001f\u007f-\u009f<>:"\\|?*\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/.test(segment))
      problem("a forbidden character");
    if (/^[. ]|[. ]$/.test(segment)) problem("a dot or space at an end");
    if (/^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/i.test(segment.split(".")[0]!.trimEnd())) problem("reserved");
    if (segment.normalize("NFC") !== segment) problem("not NFC");
    if (/[\ud800-\udfff]/.test(segment.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ""))) problem("a lone surrogate");
  }
  return problems;
}
const fold = (name: string) => name.normalize("NFKC").toUpperCase().toLowerCase().normalize("NFKC");

describe("output names", () => {
  it("names inputs made one at a time as it names the same inputs in an array", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("owl", "Owl", "wren", "a/b", ""), { maxLength: 60 }), (labels) => {
        const inputs: NameInput[] = labels.map((label, i) => ({ row: row(label, { row: i + 2 }), startSample: i }));
        const asked: number[] = [];
        const lazy = {
          length: inputs.length,
          at: (i: number) => {
            asked.push(i);
            return { ...inputs[i]! };
          },
        };
        for (const template of ["{label}", "{label}/{n}-{start_sample}"]) {
          asked.length = 0;
          expect(outputNames(template, lazy)).toEqual(outputNames(template, inputs));
          expect(asked).toEqual(inputs.map((_, i) => i)); // each once, in order
        }
      }),
    );
  });

  it("fills placeholders from the row, the caller and the table", () => {
    const table = readTable(fixtureBytes("raven/deployment.Table.1.selections.txt"));
    const names = outputNames(
      "{label}/{file}-{start}-{channel}-{fields.Low Freq (Hz)}-{row}-{n}",
      table.rows.map((r) => ({ row: r })),
    );
    expect(names).toEqual([
      "Turdus merula/SMM07257_20250416_053000-12.25-0-2000.0-2-1",
      "Erithacus rubecula/SMM07257_20250416_053100-5.25-0-1000.0-3-2",
      "Strix aluco/SMM07257_20250416_053000-59.5-0-1500.0-4-3",
    ]);
    expect(
      outputNames("{recording}_{start_sample}-{end_sample}", [
        { row: row("x", { recording: { id: "000001" } }) },
        {
          row: row("x", { start: { seconds: "1" }, end: { seconds: "2" } }),
          recording: "rec",
          startSample: 48_000,
          endSample: 96_000,
        },
      ]),
    ).toEqual(["000001_48000-96000", "rec_48000-96000"]);
    expect(outputNames("{fields.species}", [{ row: row("x", { fields: { Species: "Parus major" } }) }])).toEqual([
      "Parus major",
    ]);
    expect(outputNames("{{{label}}}", inputs("a"))).toEqual(["{a}"]);
    expect(outputNames("calls_{n}", inputs(...Array(10).fill("x")))[0]).toBe("calls_01");
  });

  it("never adds a folder, a dot folder or a forbidden character from a label", () => {
    expect(
      outputNames("{label}", inputs("a/b", "..", ".", "../../etc/passwd", "C:\\Windows", 'x<y>:z|?*"', "")),
    ).toEqual(["a_b", "__", "_", "___.._etc_passwd", "C__Windows", "x_y__z____", "_-2"]);
    expect(
      outputNames("{label}/{n}", inputs(" lead", "trail. ", "a\u0000b\u001fc\u007f", "rtl\u202eexe.txt", "zw\u200bj")),
    ).toEqual(["_lead/1", "trail__/2", "a_b_c_/3", "rtl_exe.txt/4", "zw_j/5"]);
  });

  it("keeps clear of reserved Windows names, whatever the extension or case", () => {
    expect(outputNames("{label}", inputs("CON", "nul.txt", "Com1", "lpt9 .wav", "COM¹", "CONSOLE", "aux"))).toEqual([
      "_CON",
      "_nul.txt",
      "_Com1",
      "_lpt9 .wav",
      "_COM¹-2", // COM¹ folds to COM1 (NFKC), taken by Com1
      "CONSOLE",
      "_aux",
    ]);
  });

  it("normalises to NFC and cuts long names at a character boundary", () => {
    const [decomposed] = outputNames("{label}", inputs("Pe\u0301rez"));
    expect(decomposed).toBe("P\u00e9rez");
    const long = outputNames("{label}", inputs("é".repeat(300), "🐦".repeat(100)), { maxSegmentBytes: 50 });
    expect(long[0]).toBe("é".repeat(25));
    expect(long[1]).toBe("🐦".repeat(12));
  });

  it("de-duplicates deterministically, ignoring case and normalisation, and avoids names taken", () => {
    expect(outputNames("{label}", inputs("Robin", "robin", "ROBIN", "Robin-2", "robin"))).toEqual([
      "Robin",
      "robin-2",
      "ROBIN-3",
      "Robin-2-2",
      "robin-4",
    ]);
    expect(outputNames("{label}", inputs("é", "e\u0301"))).toEqual(["é", "é-2"]);
    expect(outputNames("{label}", inputs("a", "a"), { taken: ["A", "a-2"] })).toEqual(["a-3", "a-4"]);
    const long = outputNames("{label}", inputs("x".repeat(40), "x".repeat(40)), { maxSegmentBytes: 20 });
    expect(long).toEqual(["x".repeat(20), `${"x".repeat(18)}-2`]);
  });

  it("refuses unsafe templates and placeholders a row has no value for, naming the row", () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        expect(error).toBeInstanceOf(LabelError);
        return [(error as LabelError).code, (error as LabelError).row];
      }
      return "no error";
    };
    for (const template of [
      "",
      "/{label}",
      "{label}/",
      "a//b",
      "../{label}",
      "./{label}",
      "a\\b",
      "{nope}",
      "{label",
      "}",
      "{fields.}",
    ]) {
      expect(
        code(() => outputNames(template, inputs("x"))),
        template,
      ).toEqual(["bad-template", undefined]);
    }
    expect(code(() => outputNames("{fields.Species}", inputs("x")))).toEqual(["missing-value", 2]);
    expect(code(() => outputNames("{recording}", inputs("x")))).toEqual(["missing-value", 2]);
    expect(code(() => outputNames("{channel}", inputs("x")))).toEqual(["missing-value", 2]);
    expect(code(() => outputNames("{start_sample}", [{ row: row("x", { start: { seconds: "1" } }) }]))).toEqual([
      "missing-value",
      2,
    ]);
    expect(code(() => outputNames("{label}", inputs("x"), { maxSegmentBytes: 8 }))).toEqual([
      "invalid-argument",
      undefined,
    ]);
  });

  it("any text in: a safe relative path out, every name distinct (property)", () => {
    // Any UTF-16 (lone surrogates included), with the troublesome pieces over-represented.
    const piece = fc.oneof(
      fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
      fc.integer({ min: 0x10000, max: 0x10ffff }).map((code) => String.fromCodePoint(code)),
      fc.constantFrom(
        ".",
        " ",
        "/",
        "\\",
        ":",
        "*",
        "\u0000",
        "\u001f",
        "\u202e",
        "\u0301",
        "e\u0301",
        "CON",
        "nul",
        "..",
        "\ud800",
        "\udc00",
        "🐦",
        "ß",
        "\u212a",
        "-2",
        "A",
        "a",
      ),
    );
    const text = fc.array(piece, { maxLength: 20 }).map((pieces) => pieces.join(""));
    const templates = fc.constantFrom(
      "{label}",
      "{label}/{fields.x}",
      "{fields.x}-{label}",
      "calls/{label}.{fields.x}",
      "{n}",
    );
    fc.assert(
      fc.property(
        templates,
        fc.array(fc.tuple(text, text), { minLength: 1, maxLength: 12 }),
        fc.array(text, { maxLength: 3 }),
        fc.integer({ min: 16, max: 255 }),
        (template, values, taken, maxSegmentBytes) => {
          const names = outputNames(
            template,
            values.map(([label, x]) => ({ row: row(label, { fields: { x } }) })),
            { taken, maxSegmentBytes },
          );
          expect(names).toHaveLength(values.length);
          const depth = template.split("/").length;
          expect(names.flatMap((name) => unsafety(name, depth, maxSegmentBytes))).toEqual([]);
          const keys = new Set(names.map(fold));
          expect(keys.size).toBe(names.length);
          expect(taken.filter((t) => keys.has(fold(t)))).toEqual([]);
          // Deterministic: the same inputs give the same names.
          expect(
            outputNames(
              template,
              values.map(([label, x]) => ({ row: row(label, { fields: { x } }) })),
              { taken, maxSegmentBytes },
            ),
          ).toEqual(names);
        },
      ),
      { numRuns: 300 },
    );
  }, 60_000);

  it("names many repeats in linear time", () => {
    const many = outputNames("{label}", inputs(...Array(20_000).fill("Turdus merula")));
    expect(many[1]).toBe("Turdus merula-2");
    expect(many.at(-1)).toBe("Turdus merula-20000");
    expect(new Set(many).size).toBe(20_000);
  }, 30_000);
});
