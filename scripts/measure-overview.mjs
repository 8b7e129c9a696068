// What the viewer's overview of a recording costs over HTTP: time, requests and bytes, from a
// cold start (open the archive's recording by URL, then computeOverview), against a local
// server on 127.0.0.1 that serves byte ranges and can add a fixed delay per request.
//   node scripts/measure-overview.mjs [--minutes 10] [--delay-ms 0] [--keep DIR]
// Needs ffmpeg (makes the recording: pink noise with tones, 48 kHz mono Opus at 64 kbit/s).
import { execFileSync } from "node:child_process";
import { createReadStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, normalize } from "node:path";
import { parseArgs } from "node:util";
import { computeOverview } from "@granule/viewer";
import { importRecording, openCollection, openRecording } from "@granule/zarr-opus/node";

const { values } = parseArgs({
  options: { minutes: { type: "string", default: "10" }, "delay-ms": { type: "string", default: "0" } },
});
const minutes = Number(values.minutes);
const delayMs = Number(values["delay-ms"]);
const work = mkdtempSync(join(tmpdir(), "granule-overview-"));
try {
  const opus = join(work, "20250416_050000.opus");
  execFileSync("ffmpeg", [
    ...["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", `anoisesrc=c=pink:a=0.05:d=${minutes * 60}`],
    ...["-f", "lavfi", "-i", `sine=f=3000:d=${minutes * 60}`, "-filter_complex", "amix=inputs=2", "-ar", "48000"],
    ...["-ac", "1", "-c:a", "libopus", "-b:a", "64k", opus],
  ]);
  const root = join(work, "site");
  const collection = await openCollection(join(root, "season.zarr"), { create: true });
  await importRecording(collection, opus);

  let requests = 0;
  let bytes = 0;
  const server = createServer((request, response) => {
    requests++;
    const path = normalize(join(root, decodeURIComponent(new URL(request.url, "http://x").pathname)));
    let size;
    try {
      size = statSync(path).size;
    } catch {
      setTimeout(() => response.writeHead(404).end(), delayMs);
      return;
    }
    const range = /^bytes=(\d*)-(\d*)$/.exec(request.headers.range ?? "");
    let [start, end] = [0, size - 1];
    if (range !== null) {
      if (range[1] === "") [start, end] = [Math.max(0, size - Number(range[2])), size - 1];
      else [start, end] = [Number(range[1]), range[2] === "" ? size - 1 : Math.min(size - 1, Number(range[2]))];
    }
    setTimeout(() => {
      const headers = { "content-length": end - start + 1, "accept-ranges": "bytes", etag: `"${size}"` };
      if (range !== null) headers["content-range"] = `bytes ${start}-${end}/${size}`;
      response.writeHead(range === null ? 200 : 206, headers);
      bytes += end - start + 1;
      if (request.method === "HEAD") response.end();
      else createReadStream(path, { start, end }).pipe(response);
    }, delayMs);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${server.address().port}/season.zarr/000001`;
  const started = performance.now();
  const recording = await openRecording(url);
  const opened = performance.now();
  const openRequests = requests;
  const openBytes = bytes;
  const overview = await computeOverview(recording);
  const done = performance.now();
  server.close();
  const fileBytes = statSync(opus).size;
  console.log(
    JSON.stringify(
      {
        minutes,
        delayMs,
        fileBytes,
        open: { ms: Math.round(opened - started), requests: openRequests, bytes: openBytes },
        overview: {
          ms: Math.round(done - opened),
          requests: requests - openRequests,
          bytes: bytes - openBytes,
          probes: overview.probes,
          spans: overview.spans,
        },
        total: { ms: Math.round(done - started), requests, bytes, shareOfFile: +(bytes / fileBytes).toFixed(3) },
      },
      null,
      2,
    ),
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
