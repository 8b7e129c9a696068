import type { IndexProblem, OpusIndex } from "@granule/opus-index";
import { ExtractError } from "./errors.ts";

/** A sample range to extract, end exclusive, on the recording's timeline (48 kHz samples). */
export interface SegmentRange {
  startSample: number;
  endSample: number;
}

/** A piece of a segment that one link decodes, or a hole to fill. */
export interface Part {
  segment: number;
  startSample: number;
  endSample: number;
  link: number;
  /** Pre-roll for this part: shorter after a hole, which decoding must not cross. */
  preRollSamples: number;
  /** A hole filled with silence instead of decoded. */
  hole: boolean;
}

/** Parts decoded together: one read, one decoder start. */
export interface PlannedWindow {
  link: number;
  preRollSamples: number;
  parts: Part[];
}

export interface PlanOptions {
  preRollSamples: number;
  /** Neighbouring parts share a window only while it stays this short. */
  maxWindowSamples: number;
  /** A part longer than this is cut into parts of this length, each its own window. */
  splitSamples: number;
  fillHoles: boolean;
}

/** Checks a segment as the issue asks: whole numbers, a real range, inside the recording. */
export function checkSegment(index: OpusIndex, segment: SegmentRange, position: number): void {
  const { startSample, endSample } = segment;
  const which = position >= 0 ? `segment ${position}: ` : "";
  if (!Number.isSafeInteger(startSample) || !Number.isSafeInteger(endSample)) {
    throw new RangeError(
      `${which}startSample and endSample must be whole sample numbers, got ${startSample} and ${endSample}`,
    );
  }
  if (startSample >= endSample) {
    throw new RangeError(`${which}startSample ${startSample} must be before endSample ${endSample}`);
  }
  if (startSample < 0 || endSample > index.totalSamples) {
    throw new RangeError(
      `${which}samples ${startSample}-${endSample} are outside the recording, which holds samples 0-${index.totalSamples}`,
    );
  }
}

/**
 * Splits segments where they cross links or holes, and into parts of at most `splitSamples`;
 * refuses holes unless they are to be filled.
 */
export function splitSegments(index: OpusIndex, segments: readonly SegmentRange[], options: PlanOptions): Part[] {
  const holes = index.problems.filter((p) => p.endSample > p.startSample);
  const parts: Part[] = [];
  segments.forEach((segment, s) => {
    const pieces = index.splitByLink(segment.startSample, segment.endSample);
    const channels = new Set(pieces.map((p) => index.links[p.link]!.head.channels));
    if (channels.size > 1) {
      throw new ExtractError(
        "links-differ",
        `segment ${s} (samples ${segment.startSample}-${segment.endSample}) spans links with ${[...channels].join(" and ")} channels`,
        { startSample: segment.startSample, endSample: segment.endSample },
      );
    }
    for (const piece of pieces) {
      let cursor = piece.startSample;
      const touching = holes.filter((h) => h.startSample < piece.endSample && h.endSample > piece.startSample);
      if (touching.length > 0 && !options.fillHoles) throw damaged(touching[0]!, s);
      const decoded = (from: number, to: number) => {
        // Long stretches in windows of their own: memory and work per window stay bounded.
        for (let at = from; at < to; at += options.splitSamples) {
          parts.push(part(s, at, Math.min(to, at + options.splitSamples), piece.link, options, holes));
        }
      };
      for (const hole of touching) {
        if (hole.startSample > cursor) decoded(cursor, hole.startSample);
        const end = Math.min(hole.endSample, piece.endSample);
        parts.push({ ...part(s, Math.max(cursor, hole.startSample), end, piece.link, options, holes), hole: true });
        cursor = end;
      }
      if (cursor < piece.endSample) decoded(cursor, piece.endSample);
    }
  });
  return parts;
}

function part(
  segment: number,
  startSample: number,
  endSample: number,
  link: number,
  options: PlanOptions,
  holes: IndexProblem[],
): Part {
  // Decoding must not run through a hole: cut the pre-roll at the end of one just before.
  let preRollSamples = options.preRollSamples;
  for (const hole of holes) {
    if (hole.endSample <= startSample && hole.endSample > startSample - preRollSamples) {
      preRollSamples = startSample - hole.endSample;
    }
  }
  return { segment, startSample, endSample, link, preRollSamples, hole: false };
}

function damaged(hole: IndexProblem, segment: number): ExtractError {
  return new ExtractError(
    "damaged",
    `segment ${segment} needs samples ${hole.startSample}-${hole.endSample}, which the file lost (${hole.message}, at byte ${hole.byteOffset}); pass fillHoles to get silence there`,
    { byteOffset: hole.byteOffset, startSample: hole.startSample, endSample: hole.endSample },
  );
}

/** Windows, and the parts they decode: the parts given, some cut in pieces at window ends. */
export interface WindowPlan {
  /** In the order given, each part's pieces in time order in its place (holes as given). */
  parts: Part[];
  windows: PlannedWindow[];
}

/**
 * Groups parts into windows. Neighbours in one link share a window when the gap between them
 * is no longer than a pre-roll (decoding the gap costs no more than starting again) and the
 * window stays within `maxWindowSamples`; a part after a hole always starts its own window.
 *
 * A part that starts inside a full window and runs past its end is cut there: its head is
 * decoded in that window and the rest starts the next one at that sample. Overlapping
 * segments (a label table, 3 s windows at a 1.2 s hop) are then decoded once plus a pre-roll
 * per window, not again wherever a segment crosses from one window into the next (3,000
 * such segments over an hour: 3,661 s decoded instead of 3,900 s).
 */
export function planWindows(parts: readonly Part[], options: PlanOptions): WindowPlan {
  const order = parts
    .map((_, i) => i)
    .filter((i) => !parts[i]!.hole)
    .sort((a, b) => parts[a]!.link - parts[b]!.link || parts[a]!.startSample - parts[b]!.startSample || a - b);
  const piecesOf: Part[][] = parts.map((p) => (p.hole ? [p] : []));
  const windows: PlannedWindow[] = [];
  const full = options.preRollSamples;
  // The windows of the current run, end to end: each began where the one before was cut, and
  // `startOf[k]` is where window k's parts begin. Only the last one still grows, to `end`.
  let run: PlannedWindow[] = [];
  let startOf: number[] = [];
  let end = 0;
  const place = (window: PlannedWindow, i: number, piece: Part) => {
    window.parts.push(piece);
    piecesOf[i]!.push(piece);
  };
  const begin = (i: number, piece: Part, continues: boolean) => {
    const window = { link: piece.link, preRollSamples: piece.preRollSamples, parts: [] };
    place(window, i, piece);
    windows.push(window);
    if (!continues) {
      run = [];
      startOf = [];
    }
    run.push(window);
    startOf.push(piece.startSample);
    end = piece.endSample;
  };
  for (const i of order) {
    const p = parts[i]!;
    const last = run.length - 1;
    if (last < 0 || run[last]!.link !== p.link || p.preRollSamples !== full) {
      begin(i, p, false);
      continue;
    }
    // Windows of the run that end before this part are done with (parts come in time order).
    while (run.length > 1 && startOf[1]! <= p.startSample) {
      run.shift();
      startOf.shift();
    }
    const current = run.length - 1;
    // Heads of the part that fall in earlier windows of the run are decoded there.
    for (let k = 0; k < current; k++) {
      const from = Math.max(p.startSample, startOf[k]!);
      const to = Math.min(p.endSample, startOf[k + 1]!);
      if (from < to) place(run[k]!, i, { ...p, startSample: from, endSample: to });
    }
    const rest = { ...p, startSample: Math.max(p.startSample, startOf[current]!) };
    if (rest.startSample >= rest.endSample) continue;
    const start = startOf[current]!;
    const window = run[current]!;
    if (rest.startSample - full <= end && Math.max(end, rest.endSample) - start <= options.maxWindowSamples) {
      place(window, i, rest);
      end = Math.max(end, rest.endSample);
    } else if (rest.startSample < end) {
      // Cut at the window's end. The next window's pre-roll reaches back no further than this
      // one's decoding began, which no hole crosses.
      place(window, i, { ...rest, endSample: Math.min(rest.endSample, end) });
      if (rest.endSample > end) {
        const preRollSamples = Math.min(full, end - (start - window.preRollSamples));
        begin(i, { ...rest, startSample: end, preRollSamples }, true);
      }
    } else {
      begin(i, rest, false);
    }
  }
  return { parts: piecesOf.flat(), windows };
}
