export { main } from "./main.ts";
export { type NamedSegment, parseSegmentsCsv } from "./segments-csv.ts";
export { formatDuration, parseSample, parseTime } from "./time.ts";
export { Interrupted, UsageError } from "./usage-error.ts";
