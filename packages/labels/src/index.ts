export { type Detected, detectFormat } from "./detect.ts";
export { LabelError, type LabelErrorCode, type LabelErrorWhere } from "./errors.ts";
export { RAVEN_LABEL_COLUMNS } from "./formats/raven.ts";
export { type NameInput, type NameInputs, type NameOptions, outputNames } from "./names.ts";
export { type ReadOptions, readTable, type TableInput } from "./read.ts";
export {
  LABEL_FORMATS,
  type LabelFormat,
  type LabelRow,
  type LabelTable,
  type RecordingRef,
  type TimePoint,
} from "./row.ts";
export { mapRows } from "./row-view.ts";
export {
  pointToSample,
  type RowSamplesOptions,
  rowSamples,
  sampleToSeconds,
  secondsToSample,
  utcToSample,
} from "./samples.ts";
export { timeTextToSample } from "./time-text.ts";
export { type WriteOptions, writeTable, writeTableLines } from "./write.ts";
