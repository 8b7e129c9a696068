#!/usr/bin/env node
// Writes a season of BirdNET-Analyzer results as a label table of N rows, deterministically
// (the same bytes for the same arguments), for the benchmark and the scale test. Never
// committed: generate them where they are needed.
//
//   node packages/labels/bench/make-table.mjs --rows 1000000 --format raven --out season.txt
//
// Formats:
// - raven: BirdNET's combined selection table (`--combine_results`): Selection, View,
//   Channel, Begin Time (s) counted over the whole table, End Time (s), frequencies,
//   Common Name, Species Code, Confidence, Begin Path, File Offset (s), as BirdNET 2.x writes it;
// - raven-views: a Raven Pro table whose every selection is listed twice (Waveform 1 and
//   Spectrogram 1, as Raven saves a table with both views), with Begin File and measurements;
// - birdnet-csv: BirdNET's CSV (`--rtype csv`): Start (s), End (s), Scientific name, Common
//   name, Confidence, File.
// The recordings are 1 h files of four sites, 05:00-07:00 each day; BirdNET's 3 s windows with
// a detection at some of them, sometimes two species in one window.
import { createWriteStream } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

/** Species as BirdNET names them: scientific, common, code. */
const SPECIES = [
  ["Turdus migratorius", "American Robin", "amerob"],
  ["Poecile atricapillus", "Black-capped Chickadee", "bkcchi"],
  ["Haemorhous mexicanus", "House Finch", "houfin"],
  ["Cyanocitta cristata", "Blue Jay", "blujay"],
  ["Cardinalis cardinalis", "Northern Cardinal", "norcar"],
  ["Melospiza melodia", "Song Sparrow", "sonspa"],
  ["Zenaida macroura", "Mourning Dove", "moudov"],
  ["Spinus tristis", "American Goldfinch", "amegfi"],
  ["Agelaius phoeniceus", "Red-winged Blackbird", "rewbla"],
  ["Sitta carolinensis", "White-breasted Nuthatch", "whbnut"],
  ["Dryobates pubescens", "Downy Woodpecker", "dowwoo"],
  ["Corvus brachyrhynchos", "American Crow", "amecro"],
  ["Troglodytes aedon", "House Wren", "houwre"],
  ["Setophaga petechia", "Yellow Warbler", "yelwar"],
  ["Vireo olivaceus", "Red-eyed Vireo", "reevir1"],
  ["Catharus guttatus", "Hermit Thrush", "herthr"],
  ["Hylocichla mustelina", "Wood Thrush", "woothr"],
  ["Pipilo erythrophthalmus", "Eastern Towhee", "eastow"],
  ["Geothlypis trichas", "Common Yellowthroat", "comyel"],
  ["Sturnus vulgaris", "European Starling", "eursta"],
  ["Bombycilla cedrorum", "Cedar Waxwing", "cedwax"],
  ["Baeolophus bicolor", "Tufted Titmouse", "tuftit"],
  ["Junco hyemalis", "Dark-eyed Junco", "daejun"],
  ["Zonotrichia albicollis", "White-throated Sparrow", "whtspa"],
];
const SITES = ["SITE-01", "SITE-02", "SITE-03", "SITE-04"];
const FILE_SECONDS = 3600;
const WINDOW = 3;

/** A small deterministic generator (mulberry32). */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n, width = 2) => String(n).padStart(width, "0");

/** The recordings in table order: per site, per day, the 05:00 and 06:00 files. */
function* recordings() {
  for (let day = 0; ; day++) {
    const date = new Date(Date.UTC(2025, 3, 1 + day));
    const stamp = `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}`;
    for (const site of SITES) {
      for (const hour of [5, 6]) {
        const name = `SMM0${7257 + SITES.indexOf(site)}_${stamp}_${pad(hour)}0000.wav`;
        yield { name, path: `/data/season-2025/${site}/${name}` };
      }
    }
  }
}

/** The detections, each { file, path, fileStart (s into the table), offset (s into the file), species, confidence }. */
function* detections(rows, seed) {
  const next = random(seed);
  let made = 0;
  let tableSeconds = 0;
  for (const recording of recordings()) {
    for (let offset = 0; offset + WINDOW <= FILE_SECONDS && made < rows; offset += WINDOW) {
      // About one window in two has a detection, one in eight a second species.
      if (next() < 0.5) continue;
      const count = next() < 0.12 ? 2 : 1;
      for (let k = 0; k < count && made < rows; k++, made++) {
        const species = SPECIES[Math.floor(next() * SPECIES.length)];
        const confidence = (0.1 + next() * 0.9).toFixed(4);
        yield { ...recording, fileStart: tableSeconds, offset, species, confidence };
      }
    }
    if (made >= rows) return;
    tableSeconds += FILE_SECONDS;
  }
}

/** BirdNET writes its seconds as Python floats: `3.0`, `9.0`. */
const float = (n) => (Number.isInteger(n) ? `${n}.0` : String(n));

export const HEADERS = {
  raven: [
    "Selection",
    "View",
    "Channel",
    "Begin Time (s)",
    "End Time (s)",
    "Low Freq (Hz)",
    "High Freq (Hz)",
    "Common Name",
    "Species Code",
    "Confidence",
    "Begin Path",
    "File Offset (s)",
  ],
  "raven-views": [
    "Selection",
    "View",
    "Channel",
    "Begin File",
    "Begin Time (s)",
    "End Time (s)",
    "Low Freq (Hz)",
    "High Freq (Hz)",
    "Delta Time (s)",
    "Peak Freq (Hz)",
    "File Offset (s)",
    "Species",
  ],
  "birdnet-csv": ["Start (s)", "End (s)", "Scientific name", "Common name", "Confidence", "File"],
};

/** The lines of a table of `rows` rows (without line ends). */
export function* tableLines(format, rows, seed = 1) {
  const header = HEADERS[format];
  if (header === undefined) throw new Error(`unknown format ${format}; one of ${Object.keys(HEADERS).join(", ")}`);
  yield header.join(format === "birdnet-csv" ? "," : "\t");
  let n = 0;
  if (format === "raven-views") {
    // Each selection twice, so `rows` lines hold rows / 2 labels.
    let selection = 0;
    let line = 0;
    for (const d of detections(Math.ceil(rows / 2), seed)) {
      selection += 1;
      const begin = d.fileStart + d.offset + 0.25;
      const end = begin + 1.5;
      const low = 1200 + (selection % 17) * 100;
      for (const view of ["Waveform 1", "Spectrogram 1"]) {
        if (line++ >= rows) return;
        const cells = [selection, view, 1, d.name, begin.toFixed(6), end.toFixed(6), `${low}.0`, `${low + 3000}.0`];
        cells.push(
          "1.5000",
          view === "Waveform 1" ? "" : `${low + 1300}.0`,
          (d.offset + 0.25).toFixed(6),
          d.species[1],
        );
        yield cells.join("\t");
      }
    }
    return;
  }
  for (const d of detections(rows, seed)) {
    n += 1;
    const [scientific, common, code] = d.species;
    if (format === "raven") {
      const begin = float(d.fileStart + d.offset);
      const end = float(d.fileStart + d.offset + WINDOW);
      const cells = [n, "Spectrogram 1", 1, begin, end, 0, 15000, common, code, d.confidence, d.path, float(d.offset)];
      yield cells.join("\t");
    } else {
      yield [float(d.offset), float(d.offset + WINDOW), scientific, common, d.confidence, d.path].join(",");
    }
  }
}

/** Writes the table to `out`; resolves when it is on disk. */
export async function writeTableFile(format, rows, out, seed = 1) {
  const stream = createWriteStream(out);
  let chunk = [];
  let size = 0;
  for (const line of tableLines(format, rows, seed)) {
    chunk.push(line);
    size += line.length;
    if (size > 1 << 20) {
      chunk.push("");
      if (!stream.write(chunk.join("\n"))) await new Promise((resolve) => stream.once("drain", resolve));
      chunk = [];
      size = 0;
    }
  }
  if (chunk.length > 0) chunk.push("");
  stream.end(chunk.join("\n"));
  await new Promise((resolve, reject) => {
    stream.on("finish", resolve);
    stream.on("error", reject);
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({
    options: {
      rows: { type: "string", default: "100000" },
      format: { type: "string", default: "raven" },
      out: { type: "string" },
      seed: { type: "string", default: "1" },
    },
  });
  if (values.out === undefined) {
    console.error("usage: make-table.mjs --rows N [--format raven|raven-views|birdnet-csv] [--seed S] --out FILE");
    process.exit(2);
  }
  await writeTableFile(values.format, Number(values.rows), values.out, Number(values.seed));
}
