import FFT from "fft.js";
import { SpectrogramError } from "./errors.ts";
import { makeWindow, type WindowName } from "./windows.ts";

/** Decoded PCM: what `@granule/extract` returns (`Segment`) has this shape. */
export interface PcmInput {
  /** One array per channel, all of the same length. */
  readonly channels: readonly Float32Array[];
  /** The recording's TRUE rate: 48000, or 384000 for ultrasound stored sample for sample as 48 kHz Opus. */
  readonly sampleRate: number;
  /** Where `channels[c][0]` is on the recording's timeline; frame times count from the recording's start. Default 0. */
  readonly startSample?: number;
}

export interface SpectrogramOptions {
  /** FFT size in samples, a power of two from 16 to 65536. Default 1024. */
  fftSize?: number;
  /** Samples from one frame's start to the next one's. Default fftSize / 4. */
  hopSize?: number;
  /** Default "hann". */
  window?: WindowName;
  /** A channel index, or "mean": the mean of the channels' power spectra (no phase cancellation). Default "mean". */
  channel?: number | "mean";
  /** Lowest bin kept, in real Hz (bins at or above it). Default 0. */
  minHz?: number;
  /** Highest bin kept, in real Hz (bins at or below it). Default sampleRate / 2. */
  maxHz?: number;
  /** Lowest value in dB; quieter bins (and silence) get this. Default -120. */
  floorDb?: number;
  /** The amplitude that is 0 dB. Default 1: a full-scale sine at a bin's centre frequency reads 0 dB. */
  referenceAmplitude?: number;
}

/**
 * A magnitude spectrogram in dB. Frame-major: `frames[k][b]` is frame k, bin b, and frames
 * are views into one buffer, `values` (frameCount × binCount). Bin b's frequency is
 * `binHz[b]` = (firstBin + b) × sampleRate / fftSize in real Hz; frame k's centre is at
 * `frameSeconds[k]` on the recording's timeline.
 */
export interface Spectrogram {
  readonly values: Float32Array;
  readonly frames: readonly Float32Array[];
  readonly frameCount: number;
  readonly binCount: number;
  /** Centre of each frame, in seconds from the recording's start (startSample + k × hop + fftSize / 2, over the rate). */
  readonly frameSeconds: Float64Array;
  /** Frequency of each bin kept, in real Hz. */
  readonly binHz: Float64Array;
  /** The FFT bin of `binHz[0]`. */
  readonly firstBin: number;
  readonly sampleRate: number;
  readonly fftSize: number;
  readonly hopSize: number;
  readonly window: WindowName;
  readonly floorDb: number;
  /** The loudest value (dB), or floorDb for silence. */
  readonly maxDb: number;
}

const MIN_FFT = 16;
const MAX_FFT = 65536;

function invalid(message: string): never {
  throw new SpectrogramError("invalid-argument", message);
}

/** The short-time Fourier transform of `input`, as magnitudes in dB. */
export function spectrogram(input: PcmInput, options: SpectrogramOptions = {}): Spectrogram {
  const { sampleRate, channels } = input;
  if (!(Number.isFinite(sampleRate) && sampleRate > 0))
    invalid(`sampleRate must be a positive number, got ${sampleRate}`);
  const fftSize = options.fftSize ?? 1024;
  if (!Number.isInteger(fftSize) || fftSize < MIN_FFT || fftSize > MAX_FFT || (fftSize & (fftSize - 1)) !== 0) {
    invalid(`fftSize must be a power of two from ${MIN_FFT} to ${MAX_FFT}, got ${fftSize}`);
  }
  const hopSize = options.hopSize ?? fftSize / 4;
  if (!Number.isSafeInteger(hopSize) || hopSize < 1)
    invalid(`hopSize must be a whole number of samples >= 1, got ${hopSize}`);
  const windowName = options.window ?? "hann";
  const floorDb = options.floorDb ?? -120;
  if (!Number.isFinite(floorDb)) invalid(`floorDb must be a finite number, got ${floorDb}`);
  const reference = options.referenceAmplitude ?? 1;
  if (!(Number.isFinite(reference) && reference > 0)) invalid(`referenceAmplitude must be positive, got ${reference}`);
  const startSample = input.startSample ?? 0;
  if (!Number.isFinite(startSample)) invalid(`startSample must be a number, got ${startSample}`);

  if (channels.length === 0) invalid("the input has no channels");
  const length = channels[0]!.length;
  channels.forEach((c, i) => {
    if (c.length !== length) invalid(`channel ${i} has ${c.length} samples, channel 0 has ${length}`);
  });
  const channelOption = options.channel ?? "mean";
  let used: readonly Float32Array[];
  if (channelOption === "mean") {
    used = channels;
  } else {
    if (!Number.isInteger(channelOption) || channelOption < 0 || channelOption >= channels.length) {
      invalid(`channel must be "mean" or 0 to ${channels.length - 1}, got ${String(channelOption)}`);
    }
    used = [channels[channelOption]!];
  }

  const nyquist = sampleRate / 2;
  const minHz = options.minHz ?? 0;
  const maxHz = options.maxHz ?? nyquist;
  if (!(minHz >= 0) || !(maxHz >= minHz)) invalid(`need 0 <= minHz <= maxHz, got minHz ${minHz}, maxHz ${maxHz}`);
  const hzPerBin = sampleRate / fftSize;
  // A tiny tolerance, so that maxHz = 20000 keeps the bin whose centre computes as 19999.999...
  const firstBin = Math.ceil(minHz / hzPerBin - 1e-9);
  const lastBin = Math.min(fftSize / 2, Math.floor(maxHz / hzPerBin + 1e-9));
  if (firstBin > lastBin) {
    invalid(
      `no FFT bin lies in ${minHz}-${maxHz} Hz (bins are ${hzPerBin} Hz apart at ${sampleRate} Hz with fftSize ${fftSize})`,
    );
  }
  const binCount = lastBin - firstBin + 1;

  if (length < fftSize) {
    throw new SpectrogramError(
      "too-short",
      `${length} samples are fewer than one frame of fftSize ${fftSize}: use a smaller fftSize or a longer segment`,
    );
  }
  const frameCount = Math.floor((length - fftSize) / hopSize) + 1;

  const window = makeWindow(windowName, fftSize);
  let windowSum = 0;
  for (let n = 0; n < fftSize; n++) windowSum += window[n]!;
  // Amplitude scale: a sine of amplitude A at a bin's centre gives |X| = A × sum(w) / 2.
  const scale = 2 / windowSum / reference;
  const scaleSquared = scale * scale;
  const edgeSquared = scaleSquared / 4; // DC and Nyquist are not folded, so not doubled
  const channelWeight = 1 / used.length;
  const floorPower = 10 ** (floorDb / 10);

  const fft = new FFT(fftSize);
  const frame = new Float64Array(fftSize);
  const spectrum = new Float64Array(2 * fftSize);
  const power = new Float64Array(binCount);
  const values = new Float32Array(frameCount * binCount);
  const frames: Float32Array[] = new Array(frameCount);
  const frameSeconds = new Float64Array(frameCount);
  let maxDb = floorDb;

  for (let k = 0; k < frameCount; k++) {
    const start = k * hopSize;
    power.fill(0);
    for (const samples of used) {
      for (let n = 0; n < fftSize; n++) frame[n] = samples[start + n]! * window[n]!;
      fft.realTransform(spectrum, frame);
      for (let b = 0; b < binCount; b++) {
        const bin = firstBin + b;
        const re = spectrum[2 * bin]!;
        const im = spectrum[2 * bin + 1]!;
        power[b]! += (re * re + im * im) * channelWeight;
      }
    }
    const row = values.subarray(k * binCount, (k + 1) * binCount);
    for (let b = 0; b < binCount; b++) {
      const bin = firstBin + b;
      const p = power[b]! * (bin === 0 || bin === fftSize / 2 ? edgeSquared : scaleSquared);
      const db = p > floorPower ? 10 * Math.log10(p) : floorDb;
      row[b] = db;
      if (db > maxDb) maxDb = db;
    }
    frames[k] = row;
    frameSeconds[k] = (startSample + start + fftSize / 2) / sampleRate;
  }

  const binHz = new Float64Array(binCount);
  for (let b = 0; b < binCount; b++) binHz[b] = (firstBin + b) * hzPerBin;
  return {
    values,
    frames,
    frameCount,
    binCount,
    frameSeconds,
    binHz,
    firstBin,
    sampleRate,
    fftSize,
    hopSize,
    window: windowName,
    floorDb,
    maxDb,
  };
}
