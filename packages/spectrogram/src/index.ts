export { type ColormapName, colormap } from "./colormaps.ts";
export { SpectrogramError, type SpectrogramErrorCode } from "./errors.ts";
export { encodePng, renderPng } from "./png.ts";
export { type ImageOptions, renderImage, type SpectrogramImage } from "./render.ts";
export { type PcmInput, type Spectrogram, type SpectrogramOptions, spectrogram } from "./stft.ts";
export { makeWindow, WINDOW_NAMES, type WindowName } from "./windows.ts";
