import { recordingSpan, selectRecordings, utcText } from "@granule/timeline";
import { type DamagedRecording, openCollection, type RecordingInfo, surveyRecordings } from "@granule/zarr-opus/node";
import { checkArchiveArgument } from "../archive-directory.ts";
import type { CommandContext } from "../program/context.ts";
import { type SelectionArguments, selectionOf } from "../selection-options.ts";
import { formatDuration } from "../time.ts";

/**
 * A row of `granule ls --json`: the recording's info (docs/cli.md), that it is complete, and
 * `endAt`: the UTC end of its span (`recordedAt` + duration at its true rate, exclusive, to
 * the millisecond), null without `recordedAt`.
 */
export type LsRow = RecordingInfo & { complete: true; endAt: string | null };

/**
 * `granule ls`: one row per complete recording (a recording is listed only once complete),
 * those the selection names (`--from/--to` keep recordings whose span overlaps the range),
 * and the recordings left out because they are damaged or incomplete, so that none is hidden
 * in silence.
 */
export async function runLs(
  archive: string,
  selection: SelectionArguments = {},
): Promise<{ rows: LsRow[]; damaged: DamagedRecording[]; changedSinceManifest: string[] }> {
  const wanted = selectionOf(selection);
  await checkArchiveArgument(archive);
  // Over HTTP one request: the manifest, which keeps a copy of the collection's attributes.
  const collection = await openCollection(archive, { manifestFirst: true });
  // One listing, compared with the manifest: a local recording is read only when the manifest
  // cannot vouch for it (new, or its zarr.json changed since), once for the listing and the
  // damage check. Over HTTP only the manifest is read; verify checks every recording.
  const { recordings, damaged, changedSinceManifest } = await surveyRecordings(collection);
  const rows = selectRecordings(recordings, wanted).map((r) => {
    const span = recordingSpan(r);
    return { ...r, complete: true as const, endAt: span === null ? null : utcText(span.endMs) };
  });
  return { rows, damaged, changedSinceManifest };
}

/** The columns of the plain `ls` table, in order: a header and how a row shows in it. */
const COLUMNS: [string, (r: LsRow) => string | number | boolean][] = [
  ["id", (r) => r.id],
  ["source", (r) => r.sourceName ?? "-"],
  ["start", (r) => r.recordedAt ?? "-"],
  ["end", (r) => r.endAt ?? "-"],
  ["duration", (r) => formatDuration(r.durationSeconds)],
  ["device", (r) => r.deviceId ?? "-"],
  ["location", (r) => formatLocation(r.location)],
  ["metadata", (r) => formatMetadata(r.metadata)],
  ["rate", (r) => r.sampleRate],
  ["channels", (r) => r.channels],
  ["samples", (r) => r.totalSamples],
  ["sha256", (r) => r.sha256.slice(0, 12)],
  ["complete", (r) => r.complete],
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

export async function runLsCommand(
  archive: string,
  options: SelectionArguments & { json?: boolean },
  context: CommandContext,
) {
  const { rows, damaged, changedSinceManifest } = await runLs(archive, options);
  const changed = changedSinceManifest.length;
  if (changed > 0) {
    const which = changed <= 3 ? ` (${changedSinceManifest.join(", ")})` : "";
    context.io.err(
      `granule: note: ${changed} ${changed === 1 ? "entry is" : "entries are"} new or changed since the manifest of ${archive} was written${which}: read from their own zarr.json (the next import or deletion updates the manifest)\n`,
    );
  }
  for (const d of damaged) {
    context.io.err(`granule: ${archive}/${d.id} is not listed: ${d.code}: ${d.message} (granule verify checks it)\n`);
  }
  if (options.json) {
    context.json(rows);
    return;
  }
  // One write for the whole table, not one per row (a listing may have ten thousand).
  const lines = [COLUMNS.map(([header]) => header).join("\t")];
  for (const row of rows) lines.push(COLUMNS.map(([, cell]) => cell(row)).join("\t"));
  context.io.out(`${lines.join("\n")}\n`);
}
