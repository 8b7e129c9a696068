#!/usr/bin/env node
// Where the time goes in `node --cpu-prof` profiles: self time by function and by file, as shares
// of the profile's samples (idle and GC listed as V8 names them).
//
//   node --cpu-prof --cpu-prof-dir=/tmp/prof packages/cli/bin/granule.js extract ...
//   node bench/whole-process/profile-summary.mjs /tmp/prof/*.cpuprofile [--top 25]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: "string", default: "25" }, "bucket-ms": { type: "string", default: "500" } },
});
const top = Number(values.top);
const bucketMs = Number(values["bucket-ms"]);
// Threads of one process share the clock: times are shown from the earliest profile's start.
const origin = Math.min(...positionals.map((f) => JSON.parse(readFileSync(f, "utf8")).startTime));

function shortUrl(url) {
  if (!url) return "(native)";
  const path = url.replace(/^file:\/\//, "");
  const packages = path.indexOf("/packages/");
  if (packages >= 0) return path.slice(packages + 1);
  const modules = path.lastIndexOf("/node_modules/");
  return modules >= 0 ? path.slice(modules + 1) : path;
}

for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, "utf8"));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const counts = new Map();
  for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
  const total = profile.samples.length;
  const durationMs = (profile.endTime - profile.startTime) / 1000;
  const byFunction = new Map();
  const byFile = new Map();
  for (const [id, count] of counts) {
    const { callFrame } = byId.get(id);
    const where = shortUrl(callFrame.url);
    const name = `${callFrame.functionName || "(anonymous)"} ${where}${callFrame.url ? `:${callFrame.lineNumber + 1}` : ""}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + count);
    byFile.set(where, (byFile.get(where) ?? 0) + count);
  }
  const show = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([name, count]) =>
          `  ${((100 * count) / total).toFixed(1).padStart(5)}%  ${((durationMs * count) / total).toFixed(0).padStart(6)} ms  ${name}`,
      )
      .join("\n");
  // Timeline: per bucket, the share of samples that were busy (not idle) and the busiest file.
  const buckets = [];
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i];
    const b = Math.floor((at - origin) / 1000 / bucketMs);
    buckets[b] ??= { total: 0, busy: 0, files: new Map() };
    const bucket = buckets[b];
    bucket.total++;
    const { callFrame } = byId.get(id);
    if (callFrame.functionName === "(idle)") return;
    bucket.busy++;
    const where = callFrame.url ? shortUrl(callFrame.url) : callFrame.functionName;
    bucket.files.set(where, (bucket.files.get(where) ?? 0) + 1);
  });
  const timeline = buckets
    .map((bucket, b) => {
      if (!bucket) return null;
      const busiest = [...bucket.files].sort((x, y) => y[1] - x[1])[0];
      return `  ${String(b * bucketMs).padStart(6)} ms  busy ${((100 * bucket.busy) / bucket.total).toFixed(0).padStart(3)}%  ${busiest ? `${busiest[0]} (${((100 * busiest[1]) / bucket.total).toFixed(0)}%)` : ""}`;
    })
    .filter(Boolean)
    .join("\n");
  const startMs = (profile.startTime - origin) / 1000;
  console.log(
    `${file}: ${startMs.toFixed(0)}-${(startMs + durationMs).toFixed(0)} ms, ${total} samples\nby function (self time):\n${show(byFunction)}\nby file:\n${show(byFile)}\ntimeline:\n${timeline}\n`,
  );
}
