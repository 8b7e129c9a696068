import { stat } from "node:fs/promises";
import {
  type DamagedRecording,
  findDamagedRecordings,
  listRecordings,
  openCollection,
  type RecordingInfo,
} from "@granule/zarr-opus/node";
import type { CommandContext } from "../program/context.ts";
import { formatDuration } from "../time.ts";
import { UsageError } from "../usage-error.ts";

/** A row of `granule ls --json`: the recording's info (docs/cli.md), and that it is complete. */
export type LsRow = RecordingInfo & { complete: true };

/**
 * `granule ls`: one row per complete recording (a recording is listed only once complete),
 * and the recordings left out because they are damaged or incomplete, so that none is hidden
 * in silence.
 */
export async function runLs(archive: string): Promise<{ rows: LsRow[]; damaged: DamagedRecording[] }> {
  if (
    !/^https?:\/\//i.test(archive) &&
    !(await stat(archive).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  ) {
    throw new UsageError(`${archive}: no such archive directory`);
  }
  const collection = await openCollection(archive);
  // A local archive is listed anyway, so finding the damaged ones costs little; over HTTP it
  // would read every recording the manifest names (verify does that).
  const remote = /^https?:\/\//i.test(archive);
  const [recordings, damaged] = await Promise.all([
    listRecordings(collection),
    remote ? Promise.resolve([]) : findDamagedRecordings(collection),
  ]);
  return { rows: recordings.map((r) => ({ ...r, complete: true })), damaged };
}

/** The columns of the plain `ls` table, in order: a header and how a row shows in it. */
const COLUMNS: [string, (r: LsRow) => string | number | boolean][] = [
  ["id", (r) => r.id],
  ["source", (r) => r.sourceName ?? "-"],
  ["sha256", (r) => r.sha256.slice(0, 12)],
  ["duration", (r) => formatDuration(r.durationSeconds)],
  ["samples", (r) => r.totalSamples],
  ["rate", (r) => r.sampleRate],
  ["channels", (r) => r.channels],
  ["recordedAt", (r) => r.recordedAt ?? "-"],
  ["device", (r) => r.deviceId ?? "-"],
  ["complete", (r) => r.complete],
  ["location", (r) => formatLocation(r.location)],
  ["metadata", (r) => formatMetadata(r.metadata)],
];

export function formatLocation(location: RecordingInfo["location"]): string {
  if (location === null) return "-";
  const { name, latitude, longitude, elevationM } = location;
  const where = latitude !== undefined && longitude !== undefined ? `${latitude},${longitude}` : "";
  const height = elevationM !== undefined ? `,${elevationM}` : "";
  return [name, where && `${where}${height}`].filter(Boolean).join("@") || "-";
}

/** `key=value` pairs separated by `;` (values that are not text as JSON). */
export function formatMetadata(metadata: Record<string, unknown>): string {
  const pairs = Object.entries(metadata).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
  return pairs.length === 0 ? "-" : pairs.join(";").replace(/[\t\n]/g, " ");
}

export async function runLsCommand(archive: string, options: { json?: boolean }, context: CommandContext) {
  const { rows, damaged } = await runLs(archive);
  for (const d of damaged) {
    context.io.err(`granule: ${archive}/${d.id} is not listed: ${d.code}: ${d.message} (granule verify checks it)\n`);
  }
  if (options.json) {
    context.json(rows);
    return;
  }
  context.io.out(`${COLUMNS.map(([header]) => header).join("\t")}\n`);
  for (const row of rows) context.io.out(`${COLUMNS.map(([, cell]) => cell(row)).join("\t")}\n`);
}
