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
export { type RecordingSpan, recordingSpan, type TimelineRecording, toEpochMs, utcText } from "./recording-span.ts";
