// What the fuzzer checks for one input, through the packages' public APIs (their built dist):
// - every error is one of the packages' typed errors (a class with a `code`) whose message names
//   no "NaN"/"undefined" and whose byteOffset, if any, is a whole number;
// - buildIndex over bytes and openFile over a file (plain, and through a sidecar) agree;
// - extract of [a, b) gives b - a samples per channel (or a typed error), extractStream gives
//   the same samples bit for bit, a clip is a clean file of b - a samples that decodes to what
//   extract gives (see CLIP_TOLERANCE), and an archived copy reads back the same samples;
// - a sparse index (the pages a range needs, as a plain URL is read) reads the file whole or
//   gives the same samples as the full index, where the full index places by the granules;
// - a fresh archive import verifies intact;
// - after a decoder fault, a clean fixture still decodes as in a fresh process (the canary).
// The time limit (5 s per input) and memory limit are the runner's (a worker thread per input).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeToBytes, probe, timelineSamples } from "@granule/encode";
import { clip, DEFAULT_PRE_ROLL_SAMPLES, extract, extractStream } from "@granule/extract";
import { bufferSource, buildIndex, recording, sparseIndex, writeSidecar } from "@granule/opus-index";
import { openFile, saveSidecar } from "@granule/opus-index/node";
import { importRecording, MemoryStore, openCollection, openRecording, verifyRecording } from "@granule/zarr-opus";
import { seededRandom } from "./random.mjs";

/** The packages' error classes (by `name`): anything else thrown is a finding. */
export const TYPED_ERRORS = new Set([
  "OggError",
  "OpusError",
  "ExtractError",
  "ArchiveError",
  "EncodeError",
  "ResampleError",
]);

/**
 * A clip holds the recording's own packets from the same first packet, with the pre-roll as
 * its pre-skip, so decoding it from its start is the same decode as extract's: docs/extract.md
 * promises the same samples. Float32 output, the same WASM decoder: they must be equal; the
 * tolerance only absorbs float rounding of the output gain, should it ever be applied in a
 * different order.
 */
export const CLIP_TOLERANCE = 1e-6;

/** The longest range the fuzzer extracts (60 s). */
const MAX_RANGE_SAMPLES = 60 * 48_000;

/** WAV/FLAC inputs whose audio would be longer than this on the 48 kHz timeline (20 s) are only probed. */
const MAX_ENCODED_SAMPLES = 20 * 48_000;

/** A failed check, as the runner records it. */
export class Finding extends Error {
  constructor(oracle, message, details = {}) {
    super(message);
    this.name = "Finding";
    this.oracle = oracle;
    this.details = details;
  }
}

/** The error, as a finding's JSON records it. */
export function describeError(error) {
  if (!(error instanceof Error)) return { name: typeof error, message: String(error) };
  return {
    name: error.name,
    code: error.code,
    message: error.message,
    byteOffset: error.byteOffset,
    stack: error.stack?.split("\n").slice(0, 8).join("\n"),
  };
}

/** Runs `step`; a typed error is an answer (returned), anything else a finding. */
async function typed(where, step) {
  try {
    return { value: await step() };
  } catch (error) {
    if (error instanceof Finding) throw error;
    if (!(error instanceof Error) || !TYPED_ERRORS.has(error.name) || typeof error.code !== "string") {
      throw new Finding("untyped-error", `${where}: ${error?.name ?? typeof error}: ${error?.message ?? error}`, {
        error: describeError(error),
      });
    }
    if (/\bNaN\b|\bundefined\b|\[object /.test(error.message)) {
      throw new Finding("unclear-message", `${where}: ${error.name} ${error.code}: ${error.message}`, {
        error: describeError(error),
      });
    }
    if (error.byteOffset !== undefined && !Number.isSafeInteger(error.byteOffset)) {
      throw new Finding("bad-byte-offset", `${where}: byteOffset ${error.byteOffset} in ${error.message}`, {
        error: describeError(error),
      });
    }
    return { error };
  }
}

function checkLengths(where, segment, range, channels) {
  const expected = range.endSample - range.startSample;
  if (segment.channels.length !== channels) {
    throw new Finding("wrong-length", `${where}: ${segment.channels.length} channels, the link has ${channels}`);
  }
  segment.channels.forEach((samples, c) => {
    if (samples.length !== expected) {
      throw new Finding(
        "wrong-length",
        `${where}: channel ${c} has ${samples.length} samples for [${range.startSample}, ${range.endSample}) (${expected})`,
      );
    }
    for (let i = 0; i < samples.length; i++) {
      if (!Number.isFinite(samples[i])) {
        throw new Finding(
          "non-finite-sample",
          `${where}: channel ${c} sample ${range.startSample + i} is ${samples[i]}`,
        );
      }
    }
  });
}

/** The largest difference between two segments' samples (Infinity if their shapes differ). */
function maxDifference(a, b) {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let max = 0;
  for (let c = 0; c < a.length; c++) {
    if (a[c].length !== b[c].length) return Number.POSITIVE_INFINITY;
    for (let i = 0; i < a[c].length; i++) max = Math.max(max, Math.abs(a[c][i] - b[c][i]));
  }
  return max;
}

/** Ranges to try: near the start, near the end, across a link boundary, random. */
function rangesFor(index, random) {
  const total = index.totalSamples;
  if (total <= 0) return [];
  const ranges = [];
  const short = (start, length) => {
    const startSample = Math.max(0, Math.min(total - 1, start));
    ranges.push({ startSample, endSample: Math.min(total, startSample + Math.max(1, length)) });
  };
  short(0, random.int(1, 20_000));
  short(total - random.int(1, 20_000), 20_000);
  for (const link of index.links.slice(1, 3)) short(link.firstSample - random.int(1, 5000), random.int(2, 10_000));
  short(random.int(0, total), random.int(1, 96_000));
  // The whole recording, up to a minute: a damaged granule can make a few kilobytes claim an
  // hour, and an hour of silence with fillHoles is honest work, not a hang.
  if (random.chance(0.2)) ranges.push({ startSample: 0, endSample: Math.min(total, MAX_RANGE_SAMPLES) });
  return ranges;
}

/** A clean recording and its samples decoded before any fault: a broken decoder shows here. */
export async function makeCanary(bytes) {
  const rec = recording(await buildIndex(bytes, { workers: 0 }), bufferSource(bytes));
  const range = { startSample: 24_000, endSample: 30_000 };
  const expected = (await extract(rec, range, { workers: 0 })).channels;
  return {
    async check(afterWhat) {
      const got = (await extract(rec, range, { workers: 0 })).channels;
      if (maxDifference(got, expected) !== 0) {
        throw new Finding("decoder-state", `after ${afterWhat}, a clean file no longer decodes as in a fresh process`);
      }
    },
  };
}

/**
 * Checks one input. Returns counts of what ran (for the summary); throws a `Finding` at the
 * first failed check. `seed` chooses the ranges.
 */
export async function checkInput(bytes, { seed, canary, scratch, kind = "ogg" }) {
  if (kind === "pcm") return checkEncode(bytes);
  const random = seededRandom(seed);
  const counts = {
    indexed: 0,
    extracts: 0,
    typedErrors: 0,
    clips: 0,
    sparse: 0,
    imports: 0,
    decodeFaults: 0,
    traps: 0,
  };
  /** The kinds of decoder fault seen (a WASM trap, a stack overflow, libopus refusing a packet...). */
  counts.faultKinds = [];
  const noteError = (result) => {
    if (result.error !== undefined) {
      counts.typedErrors++;
      if (result.error.code === "decode-failed") {
        counts.decodeFaults++;
        const kind = result.error.cause?.kind ?? "unknown";
        if (!counts.faultKinds.includes(kind)) counts.faultKinds.push(kind);
        if (kind === "trap" || kind === "stack-overflow") counts.traps++;
      }
    }
    return result;
  };

  const indexed = noteError(await typed("buildIndex", () => buildIndex(bytes, { workers: 0 })));
  if (indexed.error !== undefined) {
    await checkFileAgrees(bytes, scratch, indexed.error, null);
    return counts;
  }
  const index = indexed.value;
  counts.indexed++;
  if (!Number.isSafeInteger(index.totalSamples) || index.totalSamples < 0) {
    throw new Finding("bad-index", `totalSamples is ${index.totalSamples}`);
  }
  await checkFileAgrees(bytes, scratch, null, index);

  const rec = recording(index, bufferSource(bytes));
  const ranges = rangesFor(index, random);
  const extracted = [];
  for (const range of ranges) {
    const fillHoles = random.chance(0.3);
    const where = `extract [${range.startSample}, ${range.endSample})${fillHoles ? " fillHoles" : ""}`;
    const result = noteError(await typed(where, () => extract(rec, range, { workers: 0, fillHoles })));
    counts.extracts++;
    if (result.value !== undefined) {
      const link = index.links[index.linkAt(range.startSample)];
      checkLengths(where, result.value, range, link.head.channels);
    }
    extracted.push({ range, fillHoles, result });
  }

  // extractStream: the same samples as extract, bit for bit, or a typed error.
  const streamed = random.pick(extracted);
  if (streamed !== undefined) {
    const { range, fillHoles } = streamed;
    const where = `extractStream [${range.startSample}, ${range.endSample})`;
    const result = noteError(
      await typed(where, async () => {
        const chunks = [];
        let next = range.startSample;
        for await (const chunk of extractStream(rec, range, { workers: 0, fillHoles })) {
          if (chunk.startSample !== next) {
            throw new Finding("stream-order", `${where}: chunk at ${chunk.startSample}, expected ${next}`);
          }
          next += chunk.channels[0]?.length ?? 0;
          chunks.push(chunk);
        }
        if (next !== range.endSample) {
          throw new Finding("wrong-length", `${where}: chunks end at ${next}, expected ${range.endSample}`);
        }
        return chunks;
      }),
    );
    if (result.value !== undefined && streamed.result.value !== undefined) {
      const channels = streamed.result.value.channels.map((samples, c) => {
        const joined = new Float32Array(samples.length);
        let at = 0;
        for (const chunk of result.value) {
          joined.set(chunk.channels[c], at);
          at += chunk.channels[c].length;
        }
        return joined;
      });
      const difference = maxDifference(channels, streamed.result.value.channels);
      if (difference !== 0) throw new Finding("stream-differs", `${where}: differs from extract by ${difference}`);
    } else if ((result.value === undefined) !== (streamed.result.value === undefined)) {
      const failed = result.value === undefined ? result.error : streamed.result.error;
      throw new Finding(
        "stream-differs",
        `${where}: ${result.value === undefined ? "extractStream" : "extract"} failed alone: ${failed.code}: ${failed.message}`,
      );
    }
  }

  // clip: a clean file of exactly b - a samples that decodes to what extract gives.
  const clipped = random.pick(extracted.filter((e) => !e.fillHoles));
  if (clipped !== undefined) await checkClip(rec, clipped, counts, noteError);

  const decoded = random.pick(extracted.filter((e) => !e.fillHoles && e.result.value !== undefined));
  if (decoded !== undefined && (await checkSparse(bytes, index, decoded, noteError))) counts.sparse++;

  if (counts.decodeFaults > 0) await canary.check(`a decode-failed (${counts.faultKinds.join(", ")})`);

  // The archive: import, read back the same index and samples, verify intact.
  if (random.chance(0.5)) await checkArchive(bytes, index, extracted, random, counts, noteError);
  return counts;
}

/**
 * sparseIndex with small probes (so that fixtures take many): read whole, or the same samples
 * as the full index. Not compared where the two may place by different rules (docs: a sparse
 * read follows the granules; the full index refuses or re-places what disagrees with them).
 */
async function checkSparse(bytes, index, { range, result }, noteError) {
  const where = `sparseIndex [${range.startSample}, ${range.endSample})`;
  const options = { preRollSamples: DEFAULT_PRE_ROLL_SAMPLES, chunkBytes: 1024, maxBytes: bytes.length };
  const sparse = noteError(await typed(where, () => sparseIndex(bufferSource(bytes), [range], options)));
  if (sparse.value === undefined || sparse.value.kind === "whole") return false;
  const { index: partial, source } = sparse.value;
  if (partial.totalSamples !== index.totalSamples || index.problems.some((p) => p.code === "bad-granule")) return false;
  const got = noteError(
    await typed(`${where}: extract`, () => extract(recording(partial, source), range, { workers: 0 })),
  );
  if (got.value === undefined) {
    throw new Finding(
      "sparse-differs",
      `${where}: extract failed where the full index decodes: ${got.error.code}: ${got.error.message}`,
    );
  }
  const difference = maxDifference(got.value.channels, result.value.channels);
  // A difference at float rounding's level is the same samples decoded after another first
  // packet (a pre-roll placed otherwise: within extract's documented tolerance), not samples
  // from another place, which differ by orders of magnitude more. Seed 20261202 input 4735
  // (dup-run.opus, a packet of the page at 26707 resized to 2 bytes): the full index sees the
  // repeated run of pages, keeps none of it and leaves a hole [143688, 191688), so its decode
  // of [214818, 240000) starts with the packet before the hole (142728); the sparse read sees
  // only the run's last copy (page at 52829), a valid page there, and starts with its last
  // packet (190728). Both decode the same 23,130 samples of pre-roll from 191688: 3e-8 apart.
  if (difference !== 0 && difference < 1e-6) return false;
  if (difference !== 0)
    throw new Finding("sparse-differs", `${where}: differs from the full index's samples by ${difference}`);
  return true;
}

async function checkClip(rec, { range, result }, counts, noteError) {
  const where = `clip [${range.startSample}, ${range.endSample})`;
  const clipResult = noteError(await typed(where, () => clip(rec, range)));
  if (clipResult.value === undefined) return;
  counts.clips++;
  if (result.error?.code === "damaged") {
    throw new Finding("clip-differs", `${where}: clip made a file where extract refused: ${result.error.message}`);
  }
  const clipBytes = clipResult.value;
  const clipIndex = await typed(`${where}: buildIndex of the clip`, () => buildIndex(clipBytes, { workers: 0 }));
  if (clipIndex.error !== undefined) {
    throw new Finding("bad-clip", `${where}: the clip does not index: ${clipIndex.error.message}`);
  }
  const length = range.endSample - range.startSample;
  if (clipIndex.value.problems.length > 0 || clipIndex.value.totalSamples !== length) {
    throw new Finding(
      "bad-clip",
      `${where}: the clip holds ${clipIndex.value.totalSamples} samples (${length} asked) with ${clipIndex.value.problems.length} problem(s): ${clipIndex.value.problems[0]?.message ?? ""}`,
    );
  }
  const clipRec = recording(clipIndex.value, bufferSource(clipBytes));
  const decoded = noteError(
    await typed(`${where}: extract of the clip`, () =>
      extract(clipRec, { startSample: 0, endSample: length }, { workers: 0 }),
    ),
  );
  if (decoded.value === undefined || result.value === undefined) return;
  const difference = maxDifference(decoded.value.channels, result.value.channels);
  if (!(difference <= CLIP_TOLERANCE)) {
    throw new Finding("clip-differs", `${where}: decodes ${difference} away from extract's samples`);
  }
}

/** openFile (a file source) and openFile through a saved sidecar agree with buildIndex over bytes. */
async function checkFileAgrees(bytes, scratch, bufferError, index) {
  const path = join(scratch, "input.opus");
  writeFileSync(path, bytes);
  const opened = await typed("openFile", () => openFile(path, { workers: 0 }));
  if (opened.value !== undefined) await opened.value.close();
  if ((opened.error === undefined) !== (bufferError === null)) {
    const error = opened.error ?? bufferError;
    throw new Finding("file-differs", `openFile and buildIndex over bytes disagree: ${error.code}: ${error.message}`);
  }
  if (opened.value === undefined) return;
  if (!sameIndex(opened.value.index, index)) throw new Finding("file-differs", "openFile gives another index");
  const sidecar = join(scratch, "input.opus.idx");
  await saveSidecar(index, sidecar);
  const again = await typed("openFile with a sidecar", () => openFile(path, { sidecarPath: sidecar }));
  if (again.error !== undefined) {
    throw new Finding("sidecar", `a sidecar just written does not open: ${again.error.code}: ${again.error.message}`);
  }
  await again.value.close();
  if (!sameIndex(again.value.index, index)) throw new Finding("sidecar", "the sidecar gives another index");
}

function sameIndex(a, b) {
  const x = writeSidecar(a);
  const y = writeSidecar(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

async function checkArchive(bytes, index, extracted, random, counts, noteError) {
  const collection = await openCollection(new MemoryStore(), { create: true });
  const imported = noteError(
    await typed("importRecording", () =>
      importRecording(collection, bytes, { chunkBytes: 4096, shardBytes: 16_384, workers: 0 }),
    ),
  );
  if (imported.value === undefined) return;
  counts.imports++;
  const { id } = imported.value;
  const opened = await typed("openRecording", () => openRecording(collection, id));
  if (opened.error !== undefined) {
    throw new Finding("archive", `a fresh import does not open: ${opened.error.code}: ${opened.error.message}`);
  }
  if (!sameIndex(opened.value.index, index)) throw new Finding("archive", "the archive holds another index");
  const one = random.pick(extracted);
  if (one !== undefined) {
    const where = `archived extract [${one.range.startSample}, ${one.range.endSample})`;
    const result = noteError(
      await typed(where, () => extract(opened.value, one.range, { workers: 0, fillHoles: one.fillHoles })),
    );
    if ((result.value === undefined) !== (one.result.value === undefined)) {
      const failed = result.error ?? one.result.error;
      throw new Finding(
        "archive",
        `${where}: the archive and the file answer differently: ${failed.code}: ${failed.message}`,
      );
    }
    if (result.value !== undefined) {
      const difference = maxDifference(result.value.channels, one.result.value.channels);
      if (difference !== 0) throw new Finding("archive", `${where}: differs from the file's by ${difference}`);
    }
  }
  const report = await typed("verifyRecording", () => verifyRecording(collection, id));
  if (report.error !== undefined) {
    throw new Finding("archive", `verify of a fresh import throws: ${report.error.code}: ${report.error.message}`);
  }
  if (!report.value.intact) {
    throw new Finding(
      "archive",
      `verify of a fresh import: not intact: ${report.value.problems.map((p) => p.message).join("; ")}`,
    );
  }
}

/** A scratch folder for one worker's files (removed by `dispose`). */
export function scratchFolder() {
  const path = mkdtempSync(join(tmpdir(), "granule-fuzz-"));
  return { path, dispose: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * A recorder's WAV or FLAC file (mutated) through @granule/encode: probe and encode give typed
 * errors or an Ogg Opus file that indexes cleanly to exactly the samples the result promises.
 */
async function checkEncode(bytes) {
  const counts = {
    indexed: 0,
    extracts: 0,
    typedErrors: 0,
    clips: 0,
    imports: 0,
    decodeFaults: 0,
    traps: 0,
    encodes: 0,
  };
  counts.faultKinds = [];
  const probed = await typed("probe", () => probe(bytes));
  if (probed.error !== undefined) counts.typedErrors++;
  // Encoding takes time in proportion to the audio's length on the 48 kHz timeline, which a
  // header edit can make long from few bytes (a 64 Hz rate upsampled 750 times): such inputs
  // are probed only, so the 5 s bound stays a bound on hangs, not on honest work.
  if (probed.value !== undefined) {
    const { declaredFrames, channels, bitsPerSample, ratePlan } = probed.value;
    // At most this many frames fit in the bytes (FLAC compresses: 8 times as many, roughly).
    const frames = declaredFrames ?? Math.ceil((bytes.length * 8) / Math.max(1, (channels * bitsPerSample) / 8));
    if (timelineSamples(ratePlan, frames) > MAX_ENCODED_SAMPLES) return counts;
  }
  const encoded = await typed("encodeToBytes", () => encodeToBytes(bytes));
  if (encoded.error !== undefined) {
    counts.typedErrors++;
    return counts;
  }
  counts.encodes++;
  if (probed.error !== undefined) {
    throw new Finding("encode", `encode accepted a file probe refused: ${probed.error.code}: ${probed.error.message}`);
  }
  const { bytes: opus, result } = encoded.value;
  const index = await typed("buildIndex of the encoded file", () => buildIndex(opus, { workers: 0 }));
  if (index.error !== undefined) {
    throw new Finding("encode", `the encoded file does not index: ${index.error.code}: ${index.error.message}`);
  }
  counts.indexed++;
  if (index.value.problems.length > 0 || index.value.totalSamples !== result.opus.totalSamples) {
    throw new Finding(
      "encode",
      `the encoded file holds ${index.value.totalSamples} samples (the result says ${result.opus.totalSamples}) with ${index.value.problems.length} problem(s)`,
    );
  }
  return counts;
}
