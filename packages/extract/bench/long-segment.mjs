// Peak memory of one long segment to a WAV file, streamed or whole. Run after `npm run build`:
//   node bench/long-segment.mjs make <hours> <dir>         writes <dir>/long-<hours>h.opus and its sidecar
//   /usr/bin/time -f %M node bench/long-segment.mjs stream <file.opus> <out.wav> [s16|f32] [workers]
//   /usr/bin/time -f %M node bench/long-segment.mjs whole <file.opus> <out.wav>
// "stream": extractStream + writeWavStream (bounded memory). "whole": extract + encodeWav +
// writeFile, as the CLI writes a segment today. The file repeats the real 64 kbit/s mono
// packets of fixtures/ffmpeg-mono.opus in one-second pages. GNU time prints the peak RSS in KiB.
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { encodeWav, extract } from "@granule/extract";
import { extractStream, writeWavStream } from "@granule/extract/node";
import { assemblePackets, readPages, writePages } from "@granule/ogg-pages";
import { buildIndex, openFile, saveSidecar } from "@granule/opus-index/node";

const [command, ...args] = process.argv.slice(2);
if (command === "make") {
  const [hours, dir] = [Number(args[0]), args[1]];
  const fixture = readFileSync(new URL("../../../fixtures/ffmpeg-mono.opus", import.meta.url));
  const [head, tags, ...audio] = [...assemblePackets(readPages(new Uint8Array(fixture)))];
  const total = Math.round(hours * 3600 * 50);
  function* packets() {
    yield { data: head.data, granule: 0n, flush: true };
    yield { data: tags.data, granule: 0n, flush: true };
    let granule = 312n;
    for (let n = 1; n <= total; n++) {
      granule += 960n;
      yield { data: audio[(n - 1) % (audio.length - 1)].data, granule, flush: n % 50 === 0 };
    }
  }
  const bytes = writePages(packets(), { serial: 1, targetBodyByteLength: 1 << 30 });
  const path = join(dir, `long-${hours}h.opus`);
  await writeFile(path, bytes);
  await saveSidecar(await buildIndex(bytes, { workers: 0 }), `${path}.idx`);
  console.log(`${path}: ${(bytes.length / 1e6).toFixed(1)} MB`);
} else {
  const [file, out, format = "s16", workers] = args;
  const recording = await openFile(file, { sidecarPath: `${file}.idx` });
  const range = { startSample: 0, endSample: recording.index.totalSamples };
  const started = performance.now();
  const options = workers === undefined ? {} : { workers: Number(workers) };
  if (command === "stream") {
    await writeWavStream(out, extractStream(recording, range, options), { format });
  } else {
    const segment = await extract(recording, range, options);
    await writeFile(out, encodeWav(segment.channels, segment.sampleRate, { format }));
  }
  await recording.source.close();
  const seconds = range.endSample / 48_000;
  console.log(
    `${command} ${(seconds / 3600).toFixed(2)} h ${format}: ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}
