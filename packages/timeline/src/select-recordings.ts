import { TimelineError } from "./errors.ts";
import { recordingSpan, type TimelineRecording, toEpochMs } from "./recording-span.ts";

/** Which recordings of a deployment: all of them when empty. */
export interface RecordingSelection {
  /** Recordings with audio at or after this time (their span ends after it). */
  from?: Date | string | number;
  /** Recordings with audio before this time (their span starts before it). */
  to?: Date | string | number;
  /** Recordings of this device (`null`: those without a device id). */
  deviceId?: string | null;
  /**
   * Recordings whose metadata has each of these keys with this value: a text value equal to
   * it, any other JSON value whose JSON text is equal to it (`2` matches `2` and `"2"`).
   */
  metadata?: Record<string, string>;
}

/**
 * The recordings of `recordings` that the selection names, in the order given. A time bound
 * keeps every recording whose span overlaps it (one that started before `from` but runs past
 * it holds audio in the range); a recording without `recordedAt` is on no timeline and is left
 * out as soon as `from` or `to` is given.
 */
export function selectRecordings<R extends TimelineRecording & { metadata?: Record<string, unknown> }>(
  recordings: readonly R[],
  selection: RecordingSelection = {},
): R[] {
  const fromMs = selection.from === undefined ? undefined : toEpochMs(selection.from, "from");
  const toMs = selection.to === undefined ? undefined : toEpochMs(selection.to, "to");
  if (fromMs !== undefined && toMs !== undefined && !(fromMs < toMs)) {
    throw new TimelineError("invalid-argument", "the selection's from must come before its to");
  }
  const wanted = Object.entries(selection.metadata ?? {});
  return recordings.filter((recording) => {
    if (selection.deviceId !== undefined && recording.deviceId !== selection.deviceId) return false;
    if (fromMs !== undefined || toMs !== undefined) {
      const span = recordingSpan(recording);
      if (span === null) return false;
      if (fromMs !== undefined && span.endMs <= fromMs) return false;
      if (toMs !== undefined && span.startMs >= toMs) return false;
    }
    return wanted.every(([key, value]) => metadataMatches(recording.metadata?.[key], value));
  });
}

function metadataMatches(actual: unknown, wanted: string): boolean {
  if (actual === undefined) return false;
  return typeof actual === "string" ? actual === wanted : JSON.stringify(actual) === wanted;
}
