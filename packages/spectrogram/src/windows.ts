import { SpectrogramError } from "./errors.ts";

export type WindowName = "hann" | "hamming" | "blackman";

export const WINDOW_NAMES: readonly WindowName[] = ["hann", "hamming", "blackman"];

/**
 * A periodic window of `size` points (the DFT-even form: its period is `size`, so frames a hop
 * of size/4 apart sum to a constant for hann), as scipy's `get_window(..., fftbins=True)` and
 * librosa make them.
 */
export function makeWindow(name: WindowName, size: number): Float64Array {
  const w = new Float64Array(size);
  const step = (2 * Math.PI) / size;
  for (let n = 0; n < size; n++) {
    const c1 = Math.cos(step * n);
    switch (name) {
      case "hann":
        w[n] = 0.5 - 0.5 * c1;
        break;
      case "hamming":
        w[n] = 0.54 - 0.46 * c1;
        break;
      case "blackman":
        w[n] = 0.42 - 0.5 * c1 + 0.08 * Math.cos(2 * step * n);
        break;
      default:
        throw new SpectrogramError(
          "invalid-argument",
          `window must be one of ${WINDOW_NAMES.join(", ")}, got ${String(name)}`,
        );
    }
  }
  return w;
}
