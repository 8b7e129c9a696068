// Inputs of the whole-process benchmarks, generated on the fly into the cache directory (never
// committed) and reused while their recipe is unchanged: synthetic noise and tones from sox,
// encoded by opusenc, lengthened by ffmpeg's stream copy (a remux, so the 10 h file costs
// seconds, not a 10 h encode).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { assemblePackets, crc32, readPages, writePages } from "@granule/ogg-pages";

/** Durations and counts of each mode: `--quick` keeps every row but shrinks its inputs. */
export function inputSizes(quick) {
  return quick
    ? {
        hourSeconds: 300,
        longSeconds: 1800,
        wavSeconds: 30,
        wavCount: 6,
        longWavSeconds: 600,
        smallExisting: 30,
        smallLarge: 1000,
        smallNew: 20,
        overlapSegments: 300,
      }
    : {
        hourSeconds: 3600,
        longSeconds: 36000,
        wavSeconds: 600,
        wavCount: 6,
        longWavSeconds: 7200,
        smallExisting: 300,
        smallLarge: 10000,
        smallNew: 100,
        overlapSegments: 3000,
      };
}

function log(message) {
  process.stderr.write(`[inputs] ${message}\n`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 30, ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed (${result.status}): ${String(result.stderr).slice(-2000)}`);
  }
  return String(result.stdout);
}

/** Runs make(tmp) and renames tmp to path, so an interrupted generation never leaves a half file behind. */
function once(path, make) {
  if (existsSync(path)) return path;
  const tmp = `${path}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  const started = performance.now();
  make(tmp);
  renameSync(tmp, path);
  log(`${path} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  return path;
}

/** sox: pink noise with a slow sine sweep mixed in, 48 kHz mono 16-bit WAV. */
function soxArgs(seconds, lowHz, highHz, output) {
  return [
    "-n",
    "-r",
    "48000",
    "-c",
    "1",
    "-b",
    "16",
    ...output,
    "synth",
    String(seconds),
    "pinknoise",
    "synth",
    String(seconds),
    "sine",
    "mix",
    `${lowHz}-${highHz}`,
    "vol",
    "0.5",
  ];
}

function makeOpus(seconds, bitrateKbps, path, lowHz = 300, highHz = 6000) {
  once(path, (tmp) => {
    const sox = `sox ${soxArgs(seconds, lowHz, highHz, ["-t", "wav", "-"]).join(" ")}`;
    execFileSync("sh", ["-c", `${sox} | opusenc --quiet --bitrate ${bitrateKbps} - '${tmp}'`], { stdio: "inherit" });
  });
  return path;
}

/** Samples in an Opus packet, from its TOC byte (RFC 6716, section 3.1). */
function packetSamples(packet) {
  const toc = packet[0];
  const config = toc >> 3;
  const frameSamples =
    config < 12
      ? [480, 960, 1920, 2880][config & 3]
      : config < 16
        ? [480, 960][config & 1]
        : [120, 240, 480, 960][config & 3];
  const code = toc & 3;
  const frames = code === 0 ? 1 : code === 3 ? packet[1] & 0x3f : 2;
  return frameSamples * frames;
}

/**
 * The audio packets of `path` written `loops` times over as one clean stream (one-second pages,
 * granules continuous, no end trim), so the 10 h file takes seconds instead of a 10 h encode.
 * (ffmpeg's -stream_loop with -c copy keeps each hour's end trim inside the stream: opusinfo
 * and granule then report damage.)
 */
function repeatPackets(path, loops) {
  const [head, tags, ...audio] = [...assemblePackets(readPages(readFileSync(path)))];
  function* packets() {
    yield { data: head.data, granule: 0n, flush: true };
    yield { data: tags.data, granule: 0n, flush: true };
    let granule = 0n;
    let n = 0;
    for (let loop = 0; loop < loops; loop++) {
      for (const packet of audio) {
        granule += BigInt(packetSamples(packet.data));
        n++;
        yield { data: packet.data, granule, flush: n % 50 === 0 };
      }
    }
  }
  if (audio.length === 0) throw new Error(`${path} has no audio packets`);
  return writePages(packets(), { serial: 0x10ad, targetBodyByteLength: 1 << 30 });
}

/** Serial number changed in every page (CRCs recomputed): same audio, different bytes and SHA-256. */
export function withSerial(bytes, serial) {
  const out = Uint8Array.from(bytes);
  const view = new DataView(out.buffer);
  let offset = 0;
  while (offset < out.length) {
    if (view.getUint32(offset, true) !== 0x5367674f) throw new Error(`no Ogg page at byte ${offset}`);
    const segments = out[offset + 26];
    let length = 27 + segments;
    for (let i = 0; i < segments; i++) length += out[offset + 27 + i];
    view.setUint32(offset + 14, serial >>> 0, true);
    view.setUint32(offset + 22, 0, true);
    view.setUint32(offset + 22, crc32(out.subarray(offset, offset + length)), true);
    offset += length;
  }
  return out;
}

/** count one-second files of distinct bytes, serials base + i. */
function makeSmallFiles(dir, template, count, base) {
  return once(dir, (tmp) => {
    mkdirSync(tmp, { recursive: true });
    const bytes = readFileSync(template);
    for (let i = 0; i < count; i++) {
      writeFileSync(join(tmp, `s${String(base + i).padStart(6, "0")}.opus`), withSerial(bytes, base + i));
    }
  });
}

function smallFileList(dir, count, base) {
  return Array.from({ length: count }, (_, i) => join(dir, `s${String(base + i).padStart(6, "0")}.opus`));
}

/** Deterministic random numbers (mulberry32): the same segments in every run and on every machine. */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function writeSegments(base, segments) {
  writeFileSync(`${base}.csv`, `start_sample,end_sample\n${segments.map(([s, e]) => `${s},${e}`).join("\n")}\n`);
  writeFileSync(`${base}.txt`, `${segments.map(([s, e]) => `${s} ${e}`).join("\n")}\n`);
  return { csv: `${base}.csv`, txt: `${base}.txt`, segments };
}

export function nativeTotal(seekBinary, file) {
  const [total, channels] = run(seekBinary, ["total", file]).trim().split(" ").map(Number);
  return { totalSamples: total, channels };
}

/**
 * Builds (or finds) every input in dir. `seekBinary` is the native program (null when
 * libopusfile-dev is missing: the reference decode then comes from nowhere and the rows that
 * need it are skipped by the caller). `granule` runs the CLI (to build archives).
 */
export function prepareInputs({ dir, quick, seekBinary, granule, needs }) {
  const sizes = inputSizes(quick);
  mkdirSync(dir, { recursive: true });
  const inputs = { dir, sizes };
  const need = (what) => needs.has(what);

  if (need("hour")) {
    inputs.hour = makeOpus(sizes.hourSeconds, 160, join(dir, `hour-${sizes.hourSeconds}s.opus`));
    for (const stale of [`${inputs.hour}.idx`]) rmSync(stale, { force: true });
    if (seekBinary) {
      inputs.hourFacts = nativeTotal(seekBinary, inputs.hour);
      inputs.hourReference = once(join(dir, `hour-${sizes.hourSeconds}s.ref.f32`), (tmp) =>
        run(seekBinary, ["decode", inputs.hour, tmp]),
      );
    }
  }
  if (need("long")) {
    const hour = inputs.hour ?? makeOpus(sizes.hourSeconds, 160, join(dir, `hour-${sizes.hourSeconds}s.opus`));
    const loops = Math.round(sizes.longSeconds / sizes.hourSeconds);
    inputs.long = once(join(dir, `long-${sizes.longSeconds}s.opus`), (tmp) =>
      writeFileSync(tmp, repeatPackets(hour, loops)),
    );
    if (seekBinary) inputs.longFacts = nativeTotal(seekBinary, inputs.long);
  }
  if (need("segments") && inputs.hourFacts) {
    const random = seededRandom(20261202);
    const length = 96000;
    const seek = [];
    for (let i = 0; i < 100; i++) {
      const start = Math.floor(random() * (inputs.hourFacts.totalSamples - length));
      seek.push([start, start + length]);
    }
    inputs.seekSegments = writeSegments(join(dir, `seek100-${sizes.hourSeconds}s`), seek);
    const overlapLength = 144000;
    const count = sizes.overlapSegments;
    const step = (inputs.hourFacts.totalSamples - overlapLength) / (count - 1);
    const overlap = Array.from({ length: count }, (_, i) => {
      const start = Math.floor(i * step);
      return [start, start + overlapLength];
    });
    inputs.overlapSegments = writeSegments(join(dir, `overlap${count}-${sizes.hourSeconds}s`), overlap);
    const middle = Math.floor(inputs.hourFacts.totalSamples / 2) + 12345;
    inputs.remoteSegment = writeSegments(join(dir, `remote1-${sizes.hourSeconds}s`), [[middle, middle + 96000]]);
  }
  if (need("wavs")) {
    inputs.wavs = Array.from({ length: sizes.wavCount }, (_, i) => {
      const path = join(dir, `wav-${sizes.wavSeconds}s-${i + 1}.wav`);
      once(path, (tmp) => run("sox", soxArgs(sizes.wavSeconds, 200 + 100 * i, 4000 + 500 * i, ["-t", "wav", tmp])));
      return path;
    });
  }
  if (need("longWav")) {
    inputs.longWav = once(join(dir, `wav-${sizes.longWavSeconds}s.wav`), (tmp) =>
      run("sox", soxArgs(sizes.longWavSeconds, 250, 9000, ["-t", "wav", tmp])),
    );
  }
  if (need("small")) {
    const template = makeOpus(1, 64, join(dir, "one-second.opus"), 500, 5000);
    const total = sizes.smallLarge + sizes.smallNew;
    const smallDir = makeSmallFiles(join(dir, `small-${total}`), template, total, 1);
    // New files (not in any base archive), then the recordings of the base archives.
    inputs.smallNew = smallFileList(smallDir, sizes.smallNew, 1);
    const existing = smallFileList(smallDir, sizes.smallLarge, 1 + sizes.smallNew);
    inputs.archiveEmpty = join(dir, "archive-empty.zarr"); // a path that never exists: the import creates it
    inputs.archiveSome = once(join(dir, `archive-${sizes.smallExisting}.zarr`), (tmp) =>
      granule(["import", ...existing.slice(0, sizes.smallExisting), "--archive", tmp, "--quiet"]),
    );
    if (need("smallLarge")) {
      inputs.archiveLarge = once(join(dir, `archive-${sizes.smallLarge}.zarr`), (tmp) => {
        // In batches: one process per 1,000 files keeps each command line short.
        for (let i = 0; i < existing.length; i += 1000) {
          granule(["import", ...existing.slice(i, i + 1000), "--archive", tmp, "--quiet"]);
          log(`archive of ${sizes.smallLarge}: ${Math.min(i + 1000, existing.length)} imported`);
        }
      });
    }
  }
  if (need("remoteArchive")) {
    const hour = inputs.hour;
    inputs.remoteArchive = once(join(dir, `remote-${sizes.hourSeconds}s.zarr`), (tmp) =>
      granule(["import", hour, "--archive", tmp, "--id", "hour", "--quiet"]),
    );
  }
  return inputs;
}
