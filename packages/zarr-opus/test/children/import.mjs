// Imports one file into a collection, as a separate process for the kill and concurrency tests.
// Usage: node import.mjs <collection dir> <file> [options JSON]; options: throttleMs (delay before
// each read of the file, so the import lasts long enough to be killed midway) and any import option.
// Prints one JSON line per progress event, then {"done": result} or {"error": {...}}.
import { basename } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileSource } from "@granule/opus-index/node";
import { importRecording, openCollection } from "@granule/zarr-opus/node";

const [dir, path, json = "{}"] = process.argv.slice(2);
const { throttleMs = 0, ...options } = JSON.parse(json);
const file = await fileSource(path);
const source = {
  size: file.size,
  async read(byteOffset, byteLength, signal) {
    if (throttleMs > 0) await sleep(throttleMs);
    return file.read(byteOffset, byteLength, signal);
  },
};
try {
  const collection = await openCollection(dir, { create: true });
  const result = await importRecording(collection, source, {
    sourceName: basename(path),
    workers: 0,
    onProgress: (p) => console.log(JSON.stringify({ progress: p.bytesDone / p.bytesTotal })),
    ...options,
  });
  console.log(JSON.stringify({ done: result }));
} catch (error) {
  console.log(JSON.stringify({ error: { name: error.name, code: error.code, message: error.message } }));
  process.exitCode = 2;
} finally {
  await file.close();
}
