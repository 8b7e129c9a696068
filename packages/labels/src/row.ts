/** The label table formats this package reads and writes. */
export type LabelFormat =
  /** granule's plain CSV: `start,end` (times) or `start_sample,end_sample`, optional `recording`, `file`, `label`... */
  | "csv"
  /** Raven Pro selection tables (also BirdNET-Analyzer's `.BirdNET.selection.table.txt`). */
  | "raven"
  /** Audacity label tracks (also BirdNET-Analyzer's Audacity output). */
  | "audacity"
  /** BirdNET-Analyzer's CSV: `Start (s)`, `End (s)`, `Scientific name`, `Common name`, `Confidence`, `File`. */
  | "birdnet-csv"
  /** Kaleidoscope CSV (`id.csv`; also BirdNET-Analyzer's Kaleidoscope output). */
  | "kaleidoscope";

export const LABEL_FORMATS: readonly LabelFormat[] = ["csv", "raven", "audacity", "birdnet-csv", "kaleidoscope"];

/**
 * A position in a recording, as the table gives it:
 * - `seconds`: exact decimal text in canonical form (`"0.1"`, `"1.897648165999982"`), counted
 *   from the start of the recording in real time (a time-expanded bat recording's true time);
 *   kept as text so that no precision is lost, `Number(...)` for arithmetic;
 * - `sample`: a whole sample index;
 * - `utc`: an ISO 8601 time with `Z` or an offset, as written (needs the recording's start).
 */
export type TimePoint = { seconds: string } | { sample: number } | { utc: string };

/** Which recording a row belongs to, as far as the table says. */
export interface RecordingRef {
  /** An archive id (the plain CSV's `recording` column). */
  id?: string;
  /** A file name (Raven `Begin File`, Kaleidoscope `IN FILE`, the plain CSV's `file`/`source`). */
  file?: string;
  /** A path as the table wrote it (Raven `Begin Path`, BirdNET `File`, Kaleidoscope `INDIR/FOLDER/IN FILE`). */
  path?: string;
}

/** One label: a box in time (and maybe frequency) of one recording. Every reader returns these. */
export interface LabelRow {
  /** The 1-based line of the file this label starts on (the header is line 1), for messages. */
  row: number;
  recording?: RecordingRef;
  start: TimePoint;
  end: TimePoint;
  /** 0-based channel (Raven's 1-based `Channel` minus one). */
  channel?: number;
  lowHz?: number;
  highHz?: number;
  label?: string;
  /** Every original column of the row, verbatim (Audacity: `start`, `end`, `label`, `lowHz`, `highHz`, `column4`...). */
  fields: Record<string, string>;
}

/** What a reader returns. */
export interface LabelTable {
  format: LabelFormat;
  /** The name used in messages (the file name given to the reader). */
  file: string;
  /** The header's column names in file order (none for Audacity). */
  columns: string[];
  /** The column the labels came from, if one column did (`Species`, `Common name`, `label`). */
  labelColumn?: string;
  /**
   * The columns whose values the rows hold as positions, recording, channel, frequencies or
   * label. The others are annotation columns: writers carry them over as they are.
   */
  mappedColumns: string[];
  rows: LabelRow[];
}
