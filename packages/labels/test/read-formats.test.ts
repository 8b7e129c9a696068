import { type LabelRow, type LabelTable, readTable } from "@granule/labels";
import { describe, expect, it } from "vitest";
import { fixtureBytes } from "./fixtures.ts";

const read = (path: string) => readTable(fixtureBytes(path), { file: path });
/** The rows without their verbatim fields (checked separately). */
const positions = (table: LabelTable) => table.rows.map(({ fields: _, ...rest }: LabelRow) => rest);
const s = (seconds: string) => ({ seconds });

describe("Raven Pro selection tables", () => {
  it("reads a single-file table exactly: times as written, channels from 0, the annotation column as label", () => {
    const table = read("raven/marsh-0427.Table.1.selections.txt");
    expect(table.format).toBe("raven");
    expect(table.labelColumn).toBe("Species");
    expect(table.columns).toEqual([
      "Selection",
      "View",
      "Channel",
      "Begin Time (s)",
      "End Time (s)",
      "Low Freq (Hz)",
      "High Freq (Hz)",
      "Species",
      "column9",
    ]);
    const common = { channel: 0 };
    expect(positions(table)).toEqual([
      {
        row: 2,
        start: s("1.897648165999982"),
        end: s("4.110570810999974"),
        ...common,
        lowHz: 1326.3,
        highHz: 3266.5,
        label: "WOTH",
      },
      {
        row: 3,
        start: s("3.182493230999995"),
        end: s("4.542066620999975"),
        ...common,
        lowHz: 3030.8,
        highHz: 6196.3,
        label: "EATO",
      },
      { row: 4, start: s("0.1"), end: s("0.25"), ...common, lowHz: 1145, highHz: 2694, label: 'say "hi"' },
      {
        row: 5,
        start: s("15.87474886299998"),
        end: s("16.07000674400001"),
        ...common,
        lowHz: 1246,
        highHz: 2256.3,
        label: "",
      },
    ]);
    expect(table.rows[0]!.fields).toEqual({
      Selection: "1",
      View: "Spectrogram 1",
      Channel: "1",
      "Begin Time (s)": "1.897648165999982",
      "End Time (s)": "4.110570810999974",
      "Low Freq (Hz)": "1326.3",
      "High Freq (Hz)": "3266.5",
      Species: "WOTH",
      column9: "",
    });
  });

  it("takes a selection listed once per view as ONE label, with its spectrogram view's measurements", () => {
    const table = read("raven/multi-view.Table.1.selections.txt");
    const common = { channel: 0 };
    expect(positions(table)).toEqual([
      {
        row: 2,
        start: s("6.709509878"),
        end: s("15.096397225"),
        ...common,
        lowHz: 1739.012,
        highHz: 3798.813,
        label: "Great tit",
      },
      {
        row: 4,
        start: s("29.383026016"),
        end: s("40.257059266"),
        ...common,
        lowHz: 1587.06,
        highHz: 4136.485,
        label: "Robin",
      },
      { row: 6, start: s("41.5"), end: s("42"), ...common, lowHz: 2000, highHz: 3000, label: "Wren" },
    ]);
    expect(table.rows.map((row) => [row.fields.View, row.fields["Avg Power Density (dB FS/Hz)"]])).toEqual([
      ["Spectrogram 1", "-75.87"],
      ["Spectrogram 1", "-75.64"],
      ["Spectrogram 1", "-80.01"],
    ]);
  });

  it("keeps one label per channel for a selection made on two channels", () => {
    const table = read("raven/stereo.Table.1.selections.txt");
    expect(positions(table).map((r) => [r.row, r.channel, r.start, r.label])).toEqual([
      [2, 0, s("2.5"), "Owl"],
      [3, 1, s("2.5"), "Owl"],
      [4, 1, s("10"), "Fox"],
    ]);
  });

  it("places boxes of a multi-file table in their own files by File Offset, end = offset + (End - Begin)", () => {
    const table = read("raven/deployment.Table.1.selections.txt");
    const a = { file: "SMM07257_20250416_053000.wav", path: "D:\\season\\SMM07257_20250416_053000.wav" };
    const b = { file: "SMM07257_20250416_053100.wav", path: "D:\\season\\SMM07257_20250416_053100.wav" };
    expect(positions(table)).toEqual([
      {
        row: 2,
        start: s("12.25"),
        end: s("13.5"),
        recording: a,
        channel: 0,
        lowHz: 2000,
        highHz: 5000,
        label: "Turdus merula",
      },
      // Begin Time 65.25 counts from the first file; in its own file it starts at 5.25.
      {
        row: 3,
        start: s("5.25"),
        end: s("6.000020833"),
        recording: b,
        channel: 0,
        lowHz: 1000,
        highHz: 3000,
        label: "Erithacus rubecula",
      },
      // A box that runs into the next file: placed in its Begin File, its end past that file's 60 s.
      {
        row: 4,
        start: s("59.5"),
        end: s("60.5"),
        recording: a,
        channel: 0,
        lowHz: 1500,
        highHz: 2500,
        label: "Strix aluco",
      },
    ]);
    expect(table.rows[2]!.fields["End File"]).toBe("SMM07257_20250416_053100.wav");
  });

  it("reads BirdNET-Analyzer's selection tables: per file, combined (Begin Time with float noise), and 1.0.2's", () => {
    const single = read("birdnet/soundscape.BirdNET.selection.table.txt");
    expect(single.labelColumn).toBe("Common Name");
    expect(
      positions(single).map((r) => [r.row, r.start, r.end, r.label, r.recording?.file, r.lowHz, r.highHz]),
    ).toEqual([
      [2, s("0"), s("3"), "Black-capped Chickadee", "soundscape.wav", 0, 15000],
      [3, s("9"), s("12"), "House Finch", "soundscape.wav", 0, 15000],
      [4, s("9"), s("12"), "Blue Jay", "soundscape.wav", 0, 15000],
      [5, s("117"), s("120"), "Blue Jay", "soundscape.wav", 0, 15000],
    ]);
    expect(single.rows[0]!.fields).toMatchObject({ "Species Code": "bkcchi", Confidence: "0.8141" });

    const combined = read("birdnet/BirdNET_SelectionTable.txt");
    expect(positions(combined).map((r) => [r.start, r.end, r.recording?.path])).toEqual([
      [s("0"), s("3"), "/data/site-a/20250416_053000.wav"],
      [s("0"), s("3"), "/data/site-a/20250416_053100.wav"],
      [s("20.3"), s("23.2"), "/data/site-a/20250416_053100.wav"],
      // 57.0 + (179.99997916666666 - 176.99997916666666), exactly.
      [s("57"), s("60"), "/data/site-a/20250416_053200.wav"],
    ]);

    const old = read("birdnet/v1.0.2.BirdNET.selections.txt");
    expect(positions(old).map((r) => [r.start, r.end, r.recording, r.label])).toEqual([
      [s("0"), s("3"), { file: "soundscape.wav", path: "/data/soundscape.wav" }, "Black-capped Chickadee"],
      [s("3"), s("6"), { file: "soundscape.wav", path: "/data/soundscape.wav" }, "House Finch"],
    ]);
  });

  it("takes labels from the column asked for", () => {
    const table = readTable(fixtureBytes("birdnet/soundscape.BirdNET.selection.table.txt"), {
      labelColumn: "species code",
    });
    expect(table.labelColumn).toBe("Species Code");
    expect(table.rows.map((r) => r.label)).toEqual(["bkcchi", "houfin", "blujay", "blujay"]);
  });
});

describe("Audacity label tracks", () => {
  it("reads times, spectral lines (-1 = unset), point labels and empty labels as Audacity does", () => {
    const table = read("audacity/labels.txt");
    expect(table.format).toBe("audacity");
    expect(positions(table)).toEqual([
      { row: 1, start: s("1.25"), end: s("2.5"), label: "Robin song", lowHz: 2000, highHz: 6000 },
      { row: 3, start: s("3"), end: s("3"), label: "click" },
      { row: 4, start: s("4.1"), end: s("5.9"), label: "" },
      { row: 5, start: s("6"), end: s("7.5"), label: "Blackbird / alarm", highHz: 8000 },
    ]);
    expect(table.rows[0]!.fields).toEqual({
      start: "1.250000",
      end: "2.500000",
      label: "Robin song",
      lowHz: "2000.000000",
      highHz: "6000.000000",
    });
  });

  it("reads decimal commas and one-sided (point) labels", () => {
    expect(positions(read("audacity/comma-decimals.txt"))).toEqual([
      { row: 1, start: s("1.25"), end: s("2.5"), label: "Rotkehlchen" },
      { row: 2, start: s("3"), end: s("3"), label: "Klick" },
    ]);
  });

  it("reads BirdNET-Analyzer's Audacity output, its confidence kept as column4", () => {
    const table = read("birdnet/soundscape.BirdNET.results.txt");
    expect(positions(table)).toEqual([
      { row: 1, start: s("0"), end: s("3"), label: "Poecile atricapillus, Black-capped Chickadee" },
      {
        row: 2,
        start: s("20.299999999999997"),
        end: s("23.199999999999996"),
        label: "Haemorhous mexicanus, House Finch",
      },
      { row: 3, start: s("116"), end: s("119"), label: "Cyanocitta cristata, Blue Jay" },
    ]);
    expect(table.rows[0]!.fields.column4).toBe("0.8141");
  });
});

describe("BirdNET-Analyzer CSV", () => {
  it("reads start, end, the common name and the file; keeps the last window past the file's end", () => {
    const table = read("birdnet/soundscape.BirdNET.results.csv");
    expect(table.format).toBe("birdnet-csv");
    const recording = { file: "soundscape.wav", path: "/data/example/soundscape.wav" };
    expect(positions(table)).toEqual([
      { row: 2, start: s("0"), end: s("3"), recording, label: "Black-capped Chickadee" },
      { row: 3, start: s("20.299999999999997"), end: s("23.199999999999996"), recording, label: "House Finch" },
      { row: 4, start: s("116"), end: s("119"), recording, label: "Blue Jay" },
      { row: 5, start: s("118.89999999999998"), end: s("121.89999999999998"), recording, label: "Blue Jay" },
    ]);
    expect(table.rows[1]!.fields).toEqual({
      "Start (s)": "20.299999999999997",
      "End (s)": "23.199999999999996",
      "Scientific name": "Haemorhous mexicanus",
      "Common name": "House Finch",
      Confidence: "0.4012",
      File: "/data/example/soundscape.wav",
    });
  });
});

describe("Kaleidoscope CSV", () => {
  it("reads Kaleidoscope Pro's id.csv: file, channel from 0, OFFSET + DURATION, MANUAL ID else AUTO ID*", () => {
    const table = read("kaleidoscope/id.csv");
    expect(table.format).toBe("kaleidoscope");
    const dir = "/Volumes/BATS/2021/Data";
    expect(positions(table)).toEqual([
      {
        row: 2,
        start: s("0"),
        end: s("11.450467"),
        recording: { file: "SMU00505_20210922_022259.wav", path: `${dir}/site-1/SMU00505_20210922_022259.wav` },
        channel: 0,
        label: "EPTFUS",
      },
      {
        row: 3,
        start: s("2.5"),
        end: s("3.25"),
        recording: { file: "SMU00505_20210922_022259.wav", path: `${dir}/site-1/SMU00505_20210922_022259.wav` },
        channel: 1,
        label: "MYOLUC",
      },
      {
        row: 4,
        start: s("0"),
        end: s("11.413794"),
        recording: { file: "SMU00505_20210923_193223.wav", path: `${dir}/SMU00505_20210923_193223.wav` },
        channel: 0,
        label: "NoID",
      },
    ]);
    expect(table.rows[1]!.fields).toMatchObject({ "AUTO ID*": "LASNOC", "MANUAL ID": "MYOLUC", TIME: "2:22:59" });
  });

  it("reads BirdNET-Analyzer's Kaleidoscope output: end = OFFSET + DURATION exactly", () => {
    const table = read("birdnet/soundscape.BirdNET.results.kaleidoscope.csv");
    expect(positions(table)).toEqual([
      {
        row: 2,
        start: s("0"),
        end: s("3"),
        recording: { file: "soundscape.wav", path: "/data/example/soundscape.wav" },
        label: "Black-capped Chickadee",
      },
      {
        row: 3,
        start: s("20.299999999999997"),
        end: s("23.1999999999999956"), // 20.299999999999997 + 2.8999999999999986
        recording: { file: "soundscape.wav", path: "/data/example/soundscape.wav" },
        label: "House Finch",
      },
    ]);
  });
});

describe("the plain CSV", () => {
  it("reads today's segments CSV with every time syntax the command takes", () => {
    const table = read("csv/segments.csv");
    expect(table.labelColumn).toBe("name");
    expect(positions(table)).toEqual([
      { row: 2, start: s("1"), end: s("2.5"), label: "trill-1" },
      { row: 3, start: s("4.2"), end: s("5.4"), label: "falling-whistle" },
      { row: 4, start: s("8.5"), end: s("10"), label: "two-note-call" },
      { row: 5, start: s("12"), end: s("13.5"), label: "trill-2" },
      { row: 6, start: s("17"), end: s("18"), label: "quiet-background" },
    ]);
  });

  it("reads samples, recording ids, channels, quoted cells and counts lines across a quoted CRLF", () => {
    const table = read("csv/samples.csv");
    expect(positions(table)).toEqual([
      {
        row: 2,
        start: { sample: 48000 },
        end: { sample: 144000 },
        recording: { id: "000001" },
        channel: 0,
        label: "Turdus merula",
      },
      {
        row: 3,
        start: { sample: 480000 },
        end: { sample: 576000 },
        recording: { id: "000001" },
        channel: 1,
        label: "Erithacus rubecula",
      },
      { row: 5, start: { sample: 0 }, end: { sample: 4800 }, recording: { id: "000002" }, label: "" },
    ]);
    expect(table.rows.map((r) => r.fields.notes)).toEqual(["loud, close", "two\r\nlines", ""]);
  });

  it("reads UTC start/end columns as they are written", () => {
    const table = read("csv/utc.csv");
    const recording = { file: "20250417_211500.WAV" };
    expect(positions(table)).toEqual([
      {
        row: 2,
        start: { utc: "2025-04-17T21:15:02.5Z" },
        end: { utc: "2025-04-17T21:15:04.25Z" },
        recording,
        label: "Strix aluco",
      },
      {
        row: 3,
        start: { utc: "2025-04-17T23:15:10+02:00" },
        end: { utc: "2025-04-17T23:15:10.000020833+02:00" },
        recording,
        label: "click",
      },
    ]);
  });
});

describe("text", () => {
  it("drops a UTF-8 BOM, reads UTF-16 with its BOM, and CR-only line ends", () => {
    const plain = "start,end,label\r1,2,Grive musicienne\r";
    const utf8 = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(plain)]);
    const utf16 = new Uint8Array(2 + plain.length * 2);
    utf16.set([0xff, 0xfe]);
    for (let i = 0; i < plain.length; i++) utf16[2 + 2 * i] = plain.charCodeAt(i);
    for (const input of [plain, `\ufeff${plain}`, utf8, utf16]) {
      const table = readTable(input);
      expect(table.columns).toEqual(["start", "end", "label"]);
      expect(positions(table)).toEqual([{ row: 2, start: s("1"), end: s("2"), label: "Grive musicienne" }]);
    }
  });

  it("reads other encodings when told, and skips blank and empty-cell lines anywhere", () => {
    const latin1 = new Uint8Array([...new TextEncoder().encode("start,end,label\n1,2,"), 0xe4, 0x0a]);
    expect(readTable(latin1, { encoding: "windows-1252" }).rows[0]!.label).toBe("ä");
    const table = readTable("\n\nstart,end\n\n1,2\n,\n   \n3,4\n\n\n");
    expect(positions(table)).toEqual([
      { row: 5, start: s("1"), end: s("2") },
      { row: 8, start: s("3"), end: s("4") },
    ]);
  });

  it("reads a Raven table a spreadsheet saved as CSV", () => {
    const table = readTable(
      'Selection,View,Channel,Begin Time (s),End Time (s),Species\n1,Spectrogram 1,2,1.5,2.25,"Parus major, male"\n',
    );
    expect(table.format).toBe("raven");
    expect(positions(table)).toEqual([
      { row: 2, start: s("1.5"), end: s("2.25"), channel: 1, label: "Parus major, male" },
    ]);
  });

  it("gives every original column verbatim, even one named __proto__", () => {
    const table = readTable("start,end,__proto__,constructor\n1,2, x ,y\n");
    expect(Object.getPrototypeOf(table.rows[0]!.fields)).toBe(Object.prototype);
    expect(Object.entries(table.rows[0]!.fields)).toEqual([
      ["start", "1"],
      ["end", "2"],
      ["__proto__", " x "],
      ["constructor", "y"],
    ]);
  });

  it("takes Raven's Delta Time when End Time is absent", () => {
    const table = readTable("Selection\tBegin Time (s)\tDelta Time (s)\n1\t2.5\t0.125\n");
    expect(positions(table)).toEqual([{ row: 2, start: s("2.5"), end: s("2.625") }]);
  });
});
