import { LabelError, type LabelRow, type LabelTable, mapRows, readTable, writeTable } from "@granule/labels";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

// What reading large tables changed under the hood, checked against the ways that give the
// same answers: text in chunks against one string, plain decimals against the exact path,
// views against arrays of objects.

/** What a read gives: its rows (as plain data) or its error. */
function outcome(read: () => LabelTable): unknown {
  try {
    const table = read();
    return { ...table, rows: table.rows.map((row) => ({ ...row })) };
  } catch (error) {
    if (!(error instanceof LabelError)) throw error;
    return { code: error.code, row: error.row, column: error.column, message: error.message };
  }
}

/** Bytes cut at the given places. */
function cut(bytes: Uint8Array, sizes: number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (let k = 0; at < bytes.length; k++) {
    const size = sizes[k % sizes.length]!;
    chunks.push(bytes.slice(at, at + size));
    at += size;
  }
  return chunks;
}

// Cells with what makes CSV hard: commas, quotes, CR, LF, CRLF, spaces, characters of two,
// three and four UTF-8 bytes.
const cell = fc.stringMatching(/^[a-z ,"\r\n\u00e9\u4e2d\u{1f426}]{0,6}$/u);
const lineEnd = fc.constantFrom("\n", "\r\n", "\r");
const sizes = fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 });

describe("text in chunks", () => {
  it("a CSV read from bytes in chunks cut anywhere reads as the text does (rows, lines, errors)", () => {
    const quoteCell = (c: string) => (/[",\r\n]/.test(c) || c.startsWith(" ") ? `"${c.replaceAll('"', '""')}"` : c);
    const table = fc.record({
      rows: fc.array(fc.tuple(cell, cell, fc.boolean()), { maxLength: 8 }),
      end: lineEnd,
      blank: fc.integer({ min: 0, max: 3 }),
      broken: fc.boolean(),
    });
    fc.assert(
      fc.property(table, sizes, ({ rows, end, blank, broken }, cuts) => {
        const lines = ["start_sample,end_sample,label,note"];
        rows.forEach(([label, note, quoted], i) => {
          lines.push(`${i},${i + 1},${quoted ? quoteCell(label) : label.replace(/[",\r\n]/g, "")},${quoteCell(note)}`);
          if (i === blank) lines.push("", ",,");
        });
        // A quote left open, or text after a closing quote: errors that name their line.
        if (broken) lines.push(rows.length % 2 === 0 ? '9,10,"open' : '9,10,"a"b');
        const text = `${lines.join(end)}${end}`;
        const bytes = new TextEncoder().encode(text);
        const expected = outcome(() => readTable(text, { rows: "array" }));
        expect(outcome(() => readTable(cut(bytes, cuts), { rows: "array" }))).toEqual(expected);
        expect(outcome(() => readTable(bytes, { rows: "view" }))).toEqual(expected);
      }),
      { numRuns: 400 },
    );
  });

  it("a Raven table in chunks reads as its text does, a BOM dropped once", () => {
    const header = "Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tSpecies";
    const row = fc.tuple(fc.integer({ min: 1, max: 4 }), cell, fc.integer({ min: 0, max: 99 }));
    fc.assert(
      fc.property(fc.array(row, { maxLength: 8 }), lineEnd, fc.boolean(), sizes, (rows, end, bom, cuts) => {
        const lines = [header];
        for (const [selection, label, start] of rows) {
          lines.push(`${selection}\tSpectrogram 1\t1\t${start}.5\t${start + 1}\t${label.replace(/[\t\r\n]/g, "")}`);
        }
        const text = `${bom ? "\ufeff" : ""}${lines.join(end)}`;
        const expected = outcome(() => readTable(text, { rows: "array" }));
        expect(outcome(() => readTable(cut(new TextEncoder().encode(text), cuts), { rows: "array" }))).toEqual(
          expected,
        );
      }),
      { numRuns: 300 },
    );
  });

  it("names the byte where UTF-8 goes wrong, whatever the chunks", () => {
    // As the byte-by-byte search of the whole input did before: the byte that makes the
    // stream invalid, or the unfinished lead byte just before it.
    const reference = (bytes: Uint8Array): string => {
      const decoder = new TextDecoder("utf-8", { fatal: true });
      for (let at = 0; at < bytes.length; at++) {
        try {
          decoder.decode(bytes.subarray(at, at + 1), { stream: true });
        } catch {
          let lead = at - 1;
          while (lead >= 0 && lead >= at - 3 && (bytes[lead]! & 0xc0) === 0x80) lead -= 1;
          const length =
            lead < 0 ? 0 : bytes[lead]! >= 0xf0 ? 4 : bytes[lead]! >= 0xe0 ? 3 : bytes[lead]! >= 0xc0 ? 2 : 0;
          return ` (byte offset ${length > at - lead ? lead : at})`;
        }
      }
      return " (it ends inside a character)";
    };
    const text = fc.stringMatching(/^[a-z,\n\u00e9\u4e2d\u{1f426}]{0,12}$/u);
    const bad = fc.constantFrom([0xff], [0xc3], [0xe4, 0xb8], [0xf0, 0x9f, 0x90], [0x80], [0xc3, 0x28]);
    fc.assert(
      fc.property(text, bad, text, sizes, (before, junk, after, cuts) => {
        const head = new TextEncoder().encode(`start,end\n${before}`);
        const tail = new TextEncoder().encode(after);
        const bytes = new Uint8Array([...head, ...junk, ...tail]);
        const message = `label table: the bytes are not valid utf-8${reference(bytes)}`;
        for (const input of [bytes, cut(bytes, cuts)]) {
          let error: unknown;
          try {
            readTable(input);
          } catch (caught) {
            error = caught;
          }
          expect(error).toBeInstanceOf(LabelError);
          expect((error as LabelError).code).toBe("bad-encoding");
          expect((error as LabelError).message.startsWith(message)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("plain decimals", () => {
  // Digits with leading and trailing zeros, points at either end, many digits: the fast path
  // reads them or hands them on; a leading space always takes the exact path.
  const digits = (max: number) => fc.stringMatching(new RegExp(`^[0-9]{0,${max}}$`));
  const anyDecimal = fc
    .tuple(digits(18), fc.boolean(), digits(24))
    .filter(([whole, , fraction]) => whole.length + fraction.length > 0)
    .map(([whole, point, fraction]) => (point || fraction === "" ? `${whole}.${fraction}` : whole));
  // As tables write them: "3.0", "0.0050", "012.25", "7".
  const tableDecimal = fc
    .tuple(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 999_999 }), fc.integer({ min: 0, max: 8 }))
    .map(([whole, fraction, places]) =>
      places === 0 ? String(whole) : `${whole}.${String(fraction).padStart(6, "0").slice(0, places)}`,
    );
  const decimal = fc.oneof(
    anyDecimal,
    tableDecimal,
    tableDecimal.map((t) => `0${t}`),
  );
  const exact = (text: string) => ` ${text}`;
  const positions = (table: LabelTable) => table.rows.map(({ fields: _, ...rest }) => rest);
  /** A read's positions, or where its error is. */
  const result = (read: () => LabelTable): unknown => {
    try {
      return positions(read());
    } catch (error) {
      const e = error as LabelError;
      return { code: e.code, row: e.row, column: e.column };
    }
  };
  const same = (fast: () => LabelTable, slow: () => LabelTable) => {
    expect(result(fast)).toEqual(result(slow));
  };

  it("Raven: begin, end, offset, frequencies and channel read as the exact path reads them", () => {
    const header = "Selection\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tFile Offset (s)\tBegin File";
    const row = fc.tuple(decimal, decimal, decimal, decimal, fc.constantFrom("1", "2", "01", "12"));
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 4 }), (rows) => {
        const table = (wrap: (text: string) => string) =>
          `${header}\n${rows.map(([b, e, low, o, ch], i) => [i + 1, wrap(ch), wrap(b), wrap(e), wrap(low), wrap(o), "a.wav"].join("\t")).join("\n")}\n`;
        same(
          () => readTable(table((t) => t)),
          () => readTable(table(exact)),
        );
      }),
      { numRuns: 500 },
    );
  });

  it("BirdNET's CSV, Kaleidoscope and the plain CSV: positions as the exact path reads them", () => {
    fc.assert(
      fc.property(decimal, decimal, (a, b) => {
        for (const [header, line] of [
          ["Start (s),End (s),Common name", (w: (t: string) => string) => `${w(a)},${w(b)},Robin`],
          ["IN FILE,OFFSET,DURATION", (w: (t: string) => string) => `a.wav,${w(a)},${w(b)}`],
          ["start,end", (w: (t: string) => string) => `${w(a)},${w(b)}`],
        ] as const) {
          same(
            () => readTable(`${header}\n${line((t) => t)}\n`),
            () => readTable(`${header}\n${line(exact)}\n`),
          );
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("one pass over a Raven table reports problems in the order two passes did", () => {
  const HEADER = "Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tFile Offset (s)\tBegin File";
  const error = (text: string) => outcome(() => readTable(text, { file: "t.txt" })) as { code: string; row: number };

  it("cells past the header's in a later row come before an earlier row's bad number", () => {
    const text = `${HEADER}\n1\tSpectrogram 1\t1\tx\t2\t1\ta.wav\n2\tSpectrogram 1\t1\t1\t2\t1\ta.wav\textra\n`;
    expect(error(text)).toMatchObject({ code: "extra-cells", row: 3 });
  });

  it("rows in several files without an offset column come before any row's problem", () => {
    const header = "Selection\tChannel\tBegin Time (s)\tEnd Time (s)\tBegin File";
    const text = `${header}\n1\t0\t1\t2\ta.wav\n2\t1\t3\t4\tb.wav\n`;
    expect(error(text)).toMatchObject({ code: "needs-file-offset", row: 3 });
  });

  it("an empty offset in a table over several files is its row's problem after its times", () => {
    // Row 2's channel is wrong, but its empty offset comes first; row 3 is in another file.
    const text = `${HEADER}\n1\tSpectrogram 1\t0\t1\t2\t\ta.wav\n2\tSpectrogram 1\t1\t3\t4\t3\tb.wav\n`;
    expect(error(text)).toMatchObject({ code: "bad-number", row: 2, column: "File Offset (s)" });
    // A row's bad time comes before a later row's empty offset.
    const times = `${HEADER}\n1\tSpectrogram 1\t1\tx\t2\t1\ta.wav\n2\tSpectrogram 1\t1\t3\t4\t\tb.wav\n`;
    expect(error(times)).toMatchObject({ code: "bad-number", row: 2, column: "Begin Time (s)" });
    // Over one file an empty offset is no problem: Begin Time places the box.
    const one = `${HEADER}\n1\tSpectrogram 1\t1\t1\t2\t\ta.wav\n`;
    expect(readTable(one).rows[0]!.start).toEqual({ seconds: "1" });
  });

  it("views that disagree come after every row's own problems", () => {
    const text = `${HEADER}\n7\tWaveform 1\t1\t1\t2\t1\ta.wav\n7\tSpectrogram 1\t1\t1\t3\t1\ta.wav\n8\tSpectrogram 1\t1\tx\t2\t1\ta.wav\n`;
    expect(error(text)).toMatchObject({ code: "bad-number", row: 4 });
    expect(error(text.slice(0, text.lastIndexOf("8\t")))).toMatchObject({ code: "views-disagree", row: 3 });
  });

  it("groups views by selection and channel whatever the order of the numbers", () => {
    const header = "Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tSpecies";
    const lines = [
      "3\tWaveform 1\t1\t1\t2\tA",
      "3\tWaveform 1\t2\t1\t2\tA",
      "1\tWaveform 1\t1\t5\t6\tB",
      "3\tSpectrogram 1\t2\t1\t2\tA",
      "01\tSpectrogram 1\t1\t7\t8\tC",
      "1\tSpectrogram 1\t1\t5\t6\tB",
      "\tSpectrogram 1\t1\t9\t9.5\tD",
      "3\tSpectrogram 1\t1\t1\t2\tA",
    ];
    const rows = readTable(`${header}\n${lines.join("\n")}\n`).rows;
    expect(rows.map((r) => [r.row, r.channel, r.label, r.fields.View])).toEqual([
      [2, 0, "A", "Spectrogram 1"],
      [3, 1, "A", "Spectrogram 1"],
      [4, 0, "B", "Spectrogram 1"],
      [6, 0, "C", "Spectrogram 1"],
      [8, 0, "D", "Spectrogram 1"],
    ]);
  });
});

describe("rows as a view", () => {
  const text = `start,end,label\n${Array.from({ length: 60 }, (_, i) => `${i},${i + 1},l${i}`).join("\n")}\n`;

  it("is an array like the array of objects: indexing, iteration, methods, JSON, keys", () => {
    const view = readTable(text, { rows: "view" }).rows;
    const array = readTable(text, { rows: "array" }).rows;
    expect(Array.isArray(view)).toBe(true);
    expect(view).toEqual(array);
    expect([...view]).toEqual(array);
    expect(view.slice(2, 5)).toEqual(array.slice(2, 5));
    expect(view.map((r) => r.label)).toEqual(array.map((r) => r.label));
    expect(JSON.stringify(view)).toBe(JSON.stringify(array));
    expect(Object.keys(view)).toEqual(Object.keys(array));
    expect(view[60]).toBeUndefined();
    expect(60 in view).toBe(false);
    expect(59 in view).toBe(true);
    // Each read is a new object with the same values.
    expect(view[3]).not.toBe(view[3]);
    expect(view[3]).toEqual(view[3]);
  });

  it("keeps rows set, pushed, sorted or cut into it, as an array does", () => {
    const view = readTable(text, { rows: "view" }).rows;
    const array = readTable(text, { rows: "array" }).rows;
    for (const rows of [view, array]) {
      const first = rows[0]!;
      first.label = "changed";
      rows[0] = first;
      rows.push({ ...first, row: 99 });
      rows.sort((a, b) => (a.label ?? "").localeCompare(b.label ?? ""));
      rows.length = 40;
      rows.reverse();
    }
    expect(view).toEqual(array);
    expect(view).toHaveLength(40);
  });

  it("is what tables of more than 50,000 rows are read as", () => {
    const big = `start,end\n${"0,1\n".repeat(50_001)}`;
    const rows = readTable(big).rows;
    expect(rows).toHaveLength(50_001);
    expect(rows[0]).not.toBe(rows[0]);
    const small = readTable("start,end\n0,1\n").rows;
    expect(small[0]).toBe(small[0]);
    expect(() => readTable("start,end\n0,1\n", { rows: "lazy" as "view" })).toThrow(LabelError);
  });
});

describe("mapRows", () => {
  const table = (rows: number) => {
    let text = "start,end,label\n";
    for (let i = 0; i < rows; i++) text += `${i / 4},${i / 4 + 1},x${i}\n`;
    return text;
  };
  const place = (row: LabelRow, i: number): LabelRow => ({ ...row, label: `${row.label ?? ""}#${i}` });

  it("maps an array into an array", () => {
    const { rows } = readTable(table(10), { rows: "array" });
    const mapped = mapRows(rows, place);
    expect(mapped).toEqual(rows.map(place));
    expect(mapped[3]!.label).toBe("x3#3");
  });

  it("maps a view into a view, placing each row when it is read, and writes as the array of the same rows", () => {
    const text = table(60_000);
    const view = readTable(text, { rows: "view" });
    let calls = 0;
    const mapped = mapRows(view.rows, (row, i) => {
      calls++;
      return place(row, i);
    });
    expect(calls).toBe(0); // nothing made yet
    expect(Array.isArray(mapped)).toBe(true);
    expect(mapped).toHaveLength(60_000);
    expect(mapped[59_999]).toEqual(place(view.rows[59_999]!, 59_999));
    expect(calls).toBe(1);
    const objects = readTable(text, { rows: "array" });
    const expected = { ...objects, rows: objects.rows.map(place) };
    for (const format of ["csv", "raven", "audacity", "birdnet-csv"] as const) {
      const options = { sampleRate: 48_000 };
      expect(writeTable({ ...view, rows: mapped }, format, options), format).toBe(
        writeTable(expected, format, options),
      );
    }
    // Bun gives a test 5 s by default (Node here 30 s): 2.8 s in Bun on an idle 2-core machine.
  }, 60_000);
});
