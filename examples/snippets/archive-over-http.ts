import { extract } from "@granule/extract";
import { listRecordings, openCollection, openRecording } from "@granule/zarr-opus";

const archive = await openCollection("https://example.org/field-2024.zarr");
const [first] = await listRecordings(archive); // from the collection's manifest
if (first === undefined) throw new Error("an empty archive");
const recording = await openRecording(archive, first.id);
const call = await extract(recording, { startSample: 480_000, endSample: 576_000 }); // reads a few chunks
console.log(first.id, first.sourceName, call.channels[0]?.length);
