import type { SpectrogramOptions } from "@granule/spectrogram";

/**
 * FFT size and hop for a detailed spectrogram of `samples` samples drawn `width` pixels wide:
 * about four samples a pixel per frame (so frames ~ pixels), a power of two from 256 to 2048
 * (at 48 kHz: 5-43 ms; at 384 kHz: 0.7-5 ms, fine enough for a bat call), never more than the
 * samples there are; hop such that frames about fill the width, at most a quarter frame.
 */
export function detailOptions(samples: number, width: number, fftSize?: number): SpectrogramOptions {
  let fft = fftSize ?? 2 ** Math.round(Math.log2(Math.max(1, (4 * samples) / Math.max(1, width))));
  fft = Math.max(256, Math.min(2048, fft));
  while (fft > 16 && fft > samples) fft /= 2;
  const hopSize = Math.max(1, Math.min(fft / 4, Math.floor((samples - fft) / Math.max(1, width)) || 1));
  return { fftSize: fft, hopSize };
}
