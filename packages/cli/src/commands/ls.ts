import { listRecordings, openCollection } from "@granule/zarr-opus/node";

/** `granule ls`: one row per complete recording. */
export async function runLs(archive: string) {
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
