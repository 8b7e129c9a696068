// One measurement of readTable, run by read-table.bench.mjs (and the scale test) in a process
// of its own with --expose-gc: the time to read the table from its bytes, and what the table
// keeps after a full collection with the input dropped, minus the same before the file was
// read: V8's heap, and memory outside it (`external`: large strings Node makes outside the
// heap, such as TextDecoder's, and ArrayBuffers). Prints one line of JSON.
//
//   node --expose-gc read-child.mjs --file season.txt [--labels path/to/dist/index.js] [--touch]
//
// --touch also reads every row's positions and label once (what a converter does), timed apart.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    file: { type: "string" },
    labels: { type: "string", default: new URL("../dist/index.js", import.meta.url).pathname },
    touch: { type: "boolean", default: false },
  },
});
if (globalThis.gc === undefined) throw new Error("run with node --expose-gc");
const { readTable } = await import(pathToFileURL(resolve(values.labels)).href);

const memory = () => {
  globalThis.gc();
  globalThis.gc();
  const { heapUsed, external } = process.memoryUsage();
  return { heapUsed, external };
};

const before = memory();
// Node's Buffer is a Uint8Array: given as it is, not copied.
let bytes = readFileSync(values.file);
const fileBytes = bytes.length;
const start = performance.now();
const table = readTable(bytes, { file: values.file });
const ms = performance.now() - start;
bytes = undefined;
const after = memory();
const rows = table.rows.length;
let touchMs;
if (values.touch) {
  const touchStart = performance.now();
  let check = 0;
  for (const row of table.rows) check += (row.label?.length ?? 0) + row.row;
  touchMs = performance.now() - touchStart;
  if (check === 0) throw new Error("no rows");
}
const retainedHeap = after.heapUsed - before.heapUsed;
const retainedExternal = after.external - before.external;
process.stdout.write(
  `${JSON.stringify({
    rows,
    fileBytes,
    ms,
    ...(touchMs === undefined ? {} : { touchMs }),
    retainedHeap,
    retainedExternal,
    heapPerRow: retainedHeap / rows,
    totalPerRow: (retainedHeap + retainedExternal) / rows,
    maxRssKb: process.resourceUsage().maxRSS,
    format: table.format,
  })}\n`,
);
// The table stays reachable until here, so the collector cannot have freed it before `after`.
if (table.rows.length !== rows) throw new Error("unreachable");
