/** What is wrong with a request on the timeline, as a string to switch on. */
export type TimelineErrorCode =
  /** The range crosses a gap between recordings wider than the join tolerance (pass `fillGaps`). */
  | "gap"
  /** The range runs before the first or after the last recording that covers it (pass `fillGaps`). */
  | "not-covered"
  /** No recording (of the device asked for) has audio in the range at all. */
  | "no-recording"
  /** Two recordings of one device overlap in time by more than the tolerance, and the range touches both. */
  | "overlap"
  /** Recordings of more than one device cover the range: say which (`deviceId`). */
  | "ambiguous-device"
  /** Recordings a range would join differ in sample rate or channels. */
  | "incompatible"
  /** A recording asked for by id is not in the collection. */
  | "not-found"
  /** A range addressed by UTC time needs recordings with a `recordedAt`; this one has none. */
  | "no-time"
  /** The windows asked for cannot fit in the audio selected. */
  | "does-not-fit"
  /** An argument outside what the function accepts. */
  | "invalid-argument";

export interface TimelineErrorDetails {
  /** The position of the request in the list given (0-based), when there was a list. */
  request?: number;
  /** The recordings the problem is about, by id. */
  recordings?: string[];
  /** The gap or overlap, in milliseconds (an overlap is negative). */
  gapMs?: number;
  cause?: unknown;
}

/** The error type of this package; the message names the request, the recordings and the times. */
export class TimelineError extends Error {
  override readonly name = "TimelineError";
  readonly code: TimelineErrorCode;
  readonly request: number | undefined;
  readonly recordings: string[];
  readonly gapMs: number | undefined;

  constructor(code: TimelineErrorCode, message: string, details: TimelineErrorDetails = {}) {
    super(
      `${details.request === undefined ? "" : `request ${details.request}: `}${message}`,
      details.cause === undefined ? undefined : { cause: details.cause },
    );
    this.code = code;
    this.request = details.request;
    this.recordings = details.recordings ?? [];
    this.gapMs = details.gapMs;
  }
}
