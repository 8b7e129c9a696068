import { sampleToSeconds, secondsToSample } from "@granule/labels";
import type { SampledWindow } from "@granule/timeline";

/** The columns `granule sample` writes, in order: what `granule extract --segments` reads, plus where. */
export const SEGMENT_TABLE_COLUMNS = ["recording", "start", "end", "start_sample", "end_sample", "start_utc"] as const;

/**
 * Seconds as the shortest decimal (3 to 8 places) that converts back to `sample` at
 * `sampleRate` by the labels package's rule (`secondsToSample`, exact, half up), which every
 * reader of the table uses; else `sampleToSeconds`' own exact text.
 */
export function exactSeconds(sample: number, sampleRate: number): string {
  for (let places = 3; places < 9; places++) {
    const text = (sample / sampleRate).toFixed(places);
    if (secondsToSample(text, sampleRate) === sample) return text;
  }
  return sampleToSeconds(sample, sampleRate);
}

/** A segments table (CSV, one header row) of windows: the recording's id, times and samples. */
export function segmentsTable(windows: readonly SampledWindow[]): string {
  const lines = [SEGMENT_TABLE_COLUMNS.join(",")];
  for (const w of windows) {
    lines.push(
      [
        csvCell(w.recording),
        exactSeconds(w.startSample, w.sampleRate),
        exactSeconds(w.endSample, w.sampleRate),
        w.startSample,
        w.endSample,
        w.start ?? "",
      ].join(","),
    );
  }
  return `${lines.join("\n")}\n`;
}

function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
