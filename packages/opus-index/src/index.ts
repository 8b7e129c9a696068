export {
  type BuildIndexOptions,
  buildIndex,
  defaultScanWorkers,
  type IndexProgress,
  MAX_DEFAULT_SCAN_WORKERS,
  MIN_BYTES_FOR_SCAN_WORKERS,
  MIN_PARALLELISM_FOR_SCAN_WORKERS,
} from "./build-index.ts";
export { type ByteSource, bufferSource, type HttpSourceOptions, httpSource, readExactly } from "./byte-source.ts";
export { OPUS_ERROR_CODES, OpusError, type OpusErrorCode, type OpusErrorDetails } from "./errors.ts";
export { checkHeaders } from "./header-check.ts";
export type { HeaderPage, IndexProblem, OpusIndexData, OpusLink, PageRows } from "./index-data.ts";
export { type LinkJson, linksFromJson, linksToJson } from "./link-json.ts";
export { type OpusHead, parseOpusHead } from "./opus-head.ts";
export { type DecodePlan, type LocateOptions, MIN_PRE_ROLL_SAMPLES, OpusIndex } from "./opus-index.ts";
export { type OpusTags, parseOpusTags, tagValues } from "./opus-tags.ts";
export { MAX_PACKET_SAMPLES, packetSamples } from "./packet-samples.ts";
export { PAGE_ROW_COLUMNS, type PageColumn, type PageColumnName } from "./page-columns.ts";
export { OPUS_SAMPLE_RATE, type Recording, recording, secondsToSamples } from "./recording.ts";
export type { ScanWorker, ScanWorkerFactory } from "./scan-worker-pool.ts";
export { readSidecar, SIDECAR_VERSION, writeSidecar } from "./sidecar.ts";
export {
  type SampleRange,
  SPARSE_CHUNK_BYTES,
  type SparseIndexOptions,
  type SparseIndexResult,
  sparseIndex,
} from "./sparse-index.ts";
export {
  declaredOriginalRate,
  ORIGINAL_SAMPLE_RATE_TAG,
  plainFileRate,
  RATE_PLAN_TAG,
  TIME_EXPANSION_TAG,
} from "./time-expansion.ts";
export { webWorkerFactory } from "./web-worker.ts";
