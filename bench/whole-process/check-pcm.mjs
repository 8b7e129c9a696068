// Output checks: a fast wrong answer is not a result. Every extracted file must hold exactly the
// samples asked for, and they must match libopusfile's straight-through decode of the same file
// (the reference written by `seek decode`) within the tolerance below.
import { closeSync, openSync, readSync, statSync } from "node:fs";

/**
 * The tolerance, as signal-to-noise ratio over each segment against the reference. granule
 * decodes with libopus 1.5 compiled to WebAssembly after a 500 ms pre-roll (docs/extract.md: at
 * least 122 dB against its own straight decode); the reference is the system's libopus (Debian:
 * 1.3.1) decoding from the start, so float rounding and version differences are allowed, a
 * sample's shift or a wrong stretch is not (either is far below 0 dB on this noise).
 */
export const MIN_SNR_DB = 50;

function readFloats(fd, byteOffset, count) {
  const bytes = Buffer.alloc(count * 4);
  let done = 0;
  while (done < bytes.length) {
    const n = readSync(fd, bytes, done, bytes.length - done, byteOffset + done);
    if (n === 0) break;
    done += n;
  }
  return new Float32Array(bytes.buffer, bytes.byteOffset, done >> 2);
}

/** SNR in dB of `file` (raw f32) against reference[startSample .. startSample + expected). */
export function compareSegment({
  file,
  referenceFd,
  startSample,
  expectedSamples,
  channels = 1,
  minSnrDb = MIN_SNR_DB,
}) {
  const byteLength = statSync(file).size;
  if (byteLength !== expectedSamples * channels * 4) {
    return { ok: false, message: `${file}: ${byteLength / 4 / channels} samples, expected ${expectedSamples}` };
  }
  let signal = 0;
  let noise = 0;
  const fd = openSync(file, "r");
  try {
    const step = 1 << 20;
    for (let done = 0; done < expectedSamples; done += step) {
      const count = Math.min(step, expectedSamples - done) * channels;
      const got = readFloats(fd, done * channels * 4, count);
      const want = readFloats(referenceFd, (startSample + done) * channels * 4, count);
      if (want.length !== count) return { ok: false, message: `reference ends before sample ${startSample + done}` };
      for (let i = 0; i < count; i++) {
        signal += want[i] * want[i];
        const d = got[i] - want[i];
        noise += d * d;
      }
    }
  } finally {
    closeSync(fd);
  }
  const snrDb = noise === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10(signal / noise);
  return {
    ok: snrDb >= minSnrDb,
    snrDb,
    message: snrDb >= minSnrDb ? "" : `${file}: SNR ${snrDb.toFixed(1)} dB < ${minSnrDb} dB`,
  };
}

/**
 * Checks files[i] against segments[i]; returns { ok, worstSnrDb, message }. minSnrDb below the
 * tolerance only measures (libopusfile's own seeks, with its 80 ms pre-roll, for comparison).
 */
export function compareSegments({ files, segments, reference, channels = 1, minSnrDb = MIN_SNR_DB }) {
  const referenceFd = openSync(reference, "r");
  try {
    let worst = Number.POSITIVE_INFINITY;
    for (let i = 0; i < segments.length; i++) {
      const [start, end] = segments[i];
      let result;
      try {
        result = compareSegment({
          file: files[i],
          referenceFd,
          startSample: start,
          expectedSamples: end - start,
          channels,
          minSnrDb,
        });
      } catch (error) {
        return { ok: false, worstSnrDb: worst, message: `${files[i]}: ${error.message}` };
      }
      if (!result.ok)
        return { ok: false, worstSnrDb: result.snrDb ?? worst, message: `segment ${i + 1}: ${result.message}` };
      worst = Math.min(worst, result.snrDb);
    }
    return {
      ok: true,
      worstSnrDb: worst,
      message: `${segments.length} segment(s), exact lengths, worst SNR ${formatSnr(worst)} vs libopusfile's straight decode`,
    };
  } finally {
    closeSync(referenceFd);
  }
}

export function formatSnr(db) {
  return db === Number.POSITIVE_INFINITY ? "exact" : `${db.toFixed(1)} dB`;
}
