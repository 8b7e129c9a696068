import { stat } from "node:fs/promises";
import { listRecordings, openCollection } from "@granule/zarr-opus/node";
import { UsageError } from "../usage-error.ts";

/** `granule ls`: one row per complete recording (a recording is listed only once complete). */
export async function runLs(archive: string) {
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
  const recordings = await listRecordings(collection);
  return recordings.map((r) => ({
    id: r.id,
    sourceName: r.sourceName,
    sha256: r.sha256,
    durationSeconds: r.durationSeconds,
    totalSamples: r.totalSamples,
    sampleRate: r.sampleRate,
    channels: r.channels,
    recordedAt: r.recordedAt,
    deviceId: r.deviceId,
    complete: true,
  }));
}
