import {
  importRecording,
  listRecordings,
  openCollection,
  openRecording,
  verifyRecording,
} from "@granule/zarr-opus/node";

const archive = await openCollection("field-2024.zarr", { create: true });

// AudioMoth names give the start time (UTC) and, with a prefix, the device id.
const { id } = await importRecording(archive, "SD/24F319_20240501_053000.opus", {
  location: { latitude: 47.3769, longitude: 8.5417, name: "pond-3" },
  metadata: { project: "dawn chorus" },
  onDuplicate: "skip", // "error" (default), "skip" or "allow"; by SHA-256 across the collection
  onProgress: ({ bytesDone, bytesTotal }) => console.log(`${Math.round((100 * bytesDone) / bytesTotal)}%`),
});

const may = await listRecordings(archive, { deviceId: "24F319", from: "2024-05-01", to: "2024-06-01" });
console.log(may.map((r) => `${r.id} ${r.recordedAt} ${r.deviceId}`)); // [ '000001 2024-05-01T05:30:00.000Z 24F319' ]

const recording = await openRecording(archive, id); // the Recording that @granule/extract takes
recording.sampleRate; // 48000, or the true rate of time-expanded ultrasound (originalSampleRate)
const plan = recording.index.locate(480_000, 576_000); // 2 s at 10 s
const pages = await recording.source.read(plan.byteOffset, plan.byteLength); // reads only those chunks

const report = await verifyRecording(archive, id); // SHA-256, every page CRC, index vs bytes
console.log(pages.length === plan.byteLength, report.intact); // true true: the archive holds what was imported
