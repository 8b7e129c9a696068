import { encode } from "fast-png";
import { type ImageOptions, renderImage, type SpectrogramImage } from "./render.ts";
import type { Spectrogram } from "./stft.ts";

/** A PNG file (8-bit RGBA) of an image from `renderImage`, encoded by fast-png. */
export function encodePng(image: Pick<SpectrogramImage, "width" | "height" | "data">): Uint8Array {
  const data = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return encode({ width: image.width, height: image.height, data, channels: 4, depth: 8 });
}

/** `renderImage` then `encodePng`: the PNG bytes of a spectrogram. */
export function renderPng(spec: Spectrogram, options: ImageOptions = {}): Uint8Array {
  return encodePng(renderImage(spec, options));
}
