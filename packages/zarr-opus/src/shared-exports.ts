// What both entries export besides the functions bound to their runtime (see index.ts, node.ts).
export {
  cleanupCollection,
  deleteRecording,
  findDamagedRecordings,
  type ImportOptions,
  type ImportResult,
  type ImportSource,
  importRecording,
  type Location,
  listRecordings,
  refreshManifest,
  surveyRecordings,
} from "./api.ts";
export { Collection, type OpenCollectionOptions } from "./collection.ts";
export { recordingWithSha256 as findRecordingBySha256 } from "./content-index.ts";
export type { DeleteResult } from "./delete-recording.ts";
export { ArchiveError, type ArchiveErrorCode, type ArchiveErrorDetails } from "./errors.ts";
export {
  DEFAULT_CHUNK_BYTES,
  DEFAULT_SHARD_BYTES,
  FORMAT_VERSION,
  INDEX_ARRAYS,
  INDEX_GROUP,
  MANIFEST_GROUP,
  MARKER_ATTRIBUTE,
  OGG_ARRAY,
} from "./format.ts";
export { HttpStore, type HttpStoreOptions } from "./http-store.ts";
export { checkId } from "./ids.ts";
export type { DuplicatePolicy, ImportProgress } from "./import-recording.ts";
export type { RecordingFilter, RecordingSurvey } from "./list-recordings.ts";
export type { ManifestRefresh, RefreshOptions } from "./manifest.ts";
export { MemoryStore } from "./memory-store.ts";
export type { ArchivedRecording, OpenRecordingOptions } from "./open-recording.ts";
export type { Platform } from "./platform.ts";
export {
  calendarProblem,
  looksLikeUnreadRecorderName,
  normaliseRecordedAt,
  parseRecorderFileName,
  type RecordedAt,
  type RecorderFileName,
  type RecorderFileNameOptions,
  utcOffsetMinutes,
  type WallClock,
  wallClockMs,
} from "./recorded-at.ts";
export type { GeoLocation, LinkJson, RecordingAttributes, RecordingInfo } from "./recording-attributes.ts";
export type { DamagedRecording, RecordingSummary } from "./recording-entries.ts";
export {
  type AttributeRow,
  attributeTable,
  type DescriptiveInfo,
  descriptiveInfo,
  type EncodedFrom,
} from "./recording-schema.ts";
export type { Sha256, Sha256Factory } from "./sha256.ts";
export type { ShardedByteSource, ShardLayout } from "./sharded-bytes.ts";
export {
  type AbsolutePath,
  type ArchiveStore,
  type GetOptions,
  type RangeQuery,
  type RangeRead,
  type ReadableStore,
  type StoreWriter,
  type WritableStore,
  zarritaStore,
} from "./store.ts";
export type { VerifyOptions, VerifyProblem, VerifyReport } from "./verify-recording.ts";
