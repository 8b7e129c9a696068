import { TimelineError } from "./errors.ts";
import type { AudioPiece, SilencePiece, TimelineGap, TimelinePlan } from "./plan-timeline.ts";
import { recordingSpan, type TimelineRecording, utcText } from "./recording-span.ts";

/**
 * Output samples [startSample, endSample) of a plan, as a plan of their own: the same pieces
 * of the same recordings, cut, so that decoding the slice gives exactly those samples of
 * decoding the whole (a window of a span of `planSpans`). Times are those of the recordings
 * (`recordings`: the rows the plan was made from): the slice's start is counted from the
 * start of the recording that holds it, or for silence from the end of the recording before
 * the gap. A gap cut by the slice keeps the recordings either side of it in `after` and
 * `before`, though the slice may not reach them.
 */
export function slicePlan(
  plan: TimelinePlan,
  startSample: number,
  endSample: number,
  recordings: readonly TimelineRecording[],
): TimelinePlan {
  if (
    !Number.isSafeInteger(startSample) ||
    !Number.isSafeInteger(endSample) ||
    startSample < 0 ||
    startSample >= endSample ||
    endSample > plan.sampleCount
  ) {
    throw new TimelineError(
      "invalid-argument",
      `samples ${startSample}-${endSample} are not a range of the plan's ${plan.sampleCount} samples`,
      { recordings: plan.recordings },
    );
  }
  const byId = new Map(recordings.map((r) => [r.id, r]));
  const msPerSample = 1000 / plan.sampleRate;
  // The time of a piece's first sample, from the recordings' own clocks.
  const pieceStartMs = (i: number): number | null => {
    const piece = plan.pieces[i]!;
    if (piece.kind === "audio") {
      const recording = byId.get(piece.recording);
      const span = recording === undefined ? null : recordingSpan(recording);
      return span === null ? null : span.startMs + piece.startSample * msPerSample;
    }
    const before = plan.pieces[i - 1];
    if (before?.kind === "audio") {
      const startMs = pieceStartMs(i - 1);
      return startMs === null ? null : startMs + (before.endSample - before.startSample) * msPerSample;
    }
    const after = plan.pieces[i + 1];
    if (after?.kind === "audio") {
      const startMs = pieceStartMs(i + 1);
      return startMs === null ? null : startMs - piece.sampleCount * msPerSample;
    }
    return plan.startMs === null ? null : plan.startMs + piece.outputStartSample * msPerSample;
  };
  const pieces: (AudioPiece | SilencePiece)[] = [];
  const gaps: TimelineGap[] = [];
  let startMs: number | null = null;
  plan.pieces.forEach((piece, i) => {
    const length = piece.kind === "audio" ? piece.endSample - piece.startSample : piece.sampleCount;
    const from = Math.max(startSample, piece.outputStartSample);
    const to = Math.min(endSample, piece.outputStartSample + length);
    if (from >= to) return;
    const skipped = from - piece.outputStartSample;
    const outputStartSample = from - startSample;
    const pieceMs = pieceStartMs(i);
    if (pieces.length === 0) startMs = pieceMs === null ? null : pieceMs + skipped * msPerSample;
    if (piece.kind === "audio") {
      pieces.push({
        kind: "audio",
        recording: piece.recording,
        startSample: piece.startSample + skipped,
        endSample: piece.startSample + skipped + (to - from),
        outputStartSample,
      });
      return;
    }
    pieces.push({ kind: "silence", outputStartSample, sampleCount: to - from });
    const gap = plan.gaps.find((g) => g.outputStartSample === piece.outputStartSample);
    const gapStartMs = pieceMs === null ? Date.parse(gap?.start ?? "") : pieceMs;
    gaps.push({
      outputStartSample,
      outputEndSample: to - startSample,
      start: utcText(gapStartMs + skipped * msPerSample),
      end: utcText(gapStartMs + (skipped + to - from) * msPerSample),
      after: gap?.after ?? null,
      before: gap?.before ?? null,
    });
  });
  return {
    deviceId: plan.deviceId,
    sampleRate: plan.sampleRate,
    channels: plan.channels,
    sampleCount: endSample - startSample,
    start: startMs === null ? null : utcText(startMs),
    startMs,
    pieces,
    gaps,
    recordings: [...new Set(pieces.flatMap((p) => (p.kind === "audio" ? [p.recording] : [])))],
  };
}
