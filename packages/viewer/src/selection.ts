/** A selection on a recording's timeline, in samples at the recording's true rate. */
export interface Selection {
  startSample: number;
  endSample: number;
}

/**
 * Seconds of `sample` at `sampleRate` as the shortest decimal that maps back to that sample
 * with `Math.round(seconds × sampleRate)` (what `granule extract --start` and a segments CSV
 * do): exact where the rate allows (k / 48000 has no finite decimal for every k), and never a
 * neighbouring sample.
 */
export function formatSeconds(sample: number, sampleRate: number): string {
  if (!Number.isSafeInteger(sample) || sample < 0)
    throw new RangeError(`sample must be a whole number >= 0, got ${sample}`);
  if (!(sampleRate > 0)) throw new RangeError(`sampleRate must be positive, got ${sampleRate}`);
  const seconds = sample / sampleRate;
  for (let digits = 0; digits <= 12; digits++) {
    const text = seconds.toFixed(digits);
    if (Math.round(Number(text) * sampleRate) === sample) return text;
  }
  return String(seconds);
}

/** A segments-table row `recording,start,end` (seconds of the recording's own time). */
export function segmentRow(recordingId: string, selection: Selection, sampleRate: number): string {
  const quote = /[",\n\r]/.test(recordingId) ? `"${recordingId.replaceAll('"', '""')}"` : recordingId;
  return `${quote},${formatSeconds(selection.startSample, sampleRate)},${formatSeconds(selection.endSample, sampleRate)}`;
}

/**
 * The selection between two positions in seconds, snapped to whole samples and kept inside
 * [0, totalSamples], in order; at least one sample long.
 */
export function selectionFromSeconds(
  fromSeconds: number,
  toSeconds: number,
  sampleRate: number,
  totalSamples: number,
): Selection {
  if (!Number.isFinite(fromSeconds) || !Number.isFinite(toSeconds)) {
    throw new RangeError(`a selection needs finite times, got ${fromSeconds} and ${toSeconds}`);
  }
  if (totalSamples < 1) throw new RangeError("the recording has no samples to select");
  const clamp = (s: number) => Math.max(0, Math.min(totalSamples, Math.round(s * sampleRate)));
  let startSample = clamp(Math.min(fromSeconds, toSeconds));
  let endSample = clamp(Math.max(fromSeconds, toSeconds));
  if (endSample === startSample) {
    if (endSample < totalSamples) endSample++;
    else startSample--;
  }
  return { startSample, endSample };
}
