export { DEFAULT_JOIN_TOLERANCE_MS, type DeviceRun, deviceRuns, type RunMember } from "./device-runs.ts";
export { TimelineError, type TimelineErrorCode, type TimelineErrorDetails } from "./errors.ts";
export {
  extractMany,
  extractPlans,
  type OpenById,
  openTimelineStream,
  type TimelineExtractOptions,
  type TimelineSegment,
  type TimelineStream,
} from "./extract-timeline.ts";
export { type DeploymentSpans, planSpans, type SpanOptions, type TimelineBreak } from "./plan-spans.ts";
export {
  type AudioPiece,
  type PlanOptions,
  planTimeline,
  type SampleRequest,
  type SilencePiece,
  type TimelineGap,
  type TimelinePlan,
  type TimelineRequest,
  type TimeRequest,
} from "./plan-timeline.ts";
export {
  parseUtcInstant,
  type RecordingSpan,
  recordingSpan,
  type TimelineRecording,
  toEpochMs,
  utcText,
} from "./recording-span.ts";
export { type SampledWindow, type SampleWindowsOptions, sampleWindows } from "./sample-windows.ts";
export { type RecordingSelection, selectRecordings } from "./select-recordings.ts";
export { slicePlan } from "./slice-plan.ts";
