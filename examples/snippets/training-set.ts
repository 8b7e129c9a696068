import { mkdir, writeFile } from "node:fs/promises";
import { encodeRaw } from "@granule/extract";
import { extractEach } from "@granule/extract/node";
import { openCollection, openRecording } from "@granule/zarr-opus/node";

// Labels from your own database: which recording, which samples, which name.
const labels = [
  { recording: "000001", name: "robin-0001", startSample: 480_000, endSample: 576_000 },
  { recording: "000001", name: "robin-0002", startSample: 96_000, endSample: 192_000 },
  { recording: "000001", name: "noise-0001", startSample: 816_000, endSample: 912_000 },
];

const season = await openCollection("season.zarr");
await mkdir("training", { recursive: true });
// extractEach takes one recording and its ranges: group the labels by recording.
for (const id of new Set(labels.map((label) => label.recording))) {
  const rows = labels.filter((label) => label.recording === id);
  const recording = await openRecording(season, id);
  // Each segment is handed over as soon as it is decoded (in time order, with its position
  // in `rows`), so memory stays bounded however many segments there are.
  await extractEach(
    recording,
    rows,
    (segment, i) => writeFile(`training/${rows[i]?.name}.f32`, encodeRaw(segment.channels, "f32")),
    { workers: 2 },
  );
}
