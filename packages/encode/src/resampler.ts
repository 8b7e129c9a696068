/**
 * A streaming band-limited resampler, as `@granule/resample` provides it
 * (`createResampler({ inRate, outRate, channels })`): planar blocks in, planar blocks out,
 * zero lag (output sample m is the source at time m / outRate), and, once flushed, exactly
 * round(n × outRate / inRate) samples for n in. The encoder takes a factory so the package
 * does not depend on one implementation; `resampled` rate plans need it.
 */
export interface Resampler {
  push(channels: Float32Array[]): Float32Array[];
  flush(): Float32Array[];
}

export type ResamplerFactory = (options: { inRate: number; outRate: number; channels: number }) => Resampler;
