import { ResampleError } from "./errors.ts";

/** Checks planar input: an array of Float32Array, all of one length; returns that length. */
export function checkPlanar(name: string, channels: unknown, expectedCount?: number): number {
  if (!Array.isArray(channels) || channels.length === 0) {
    throw new ResampleError("invalid-channels", `${name} must be a non-empty array of Float32Array channels`);
  }
  if (expectedCount !== undefined && channels.length !== expectedCount) {
    throw new ResampleError(
      "channel-count",
      `${name} has ${channels.length} channels, the resampler was created for ${expectedCount}`,
    );
  }
  let length = -1;
  for (let c = 0; c < channels.length; c++) {
    const channel: unknown = channels[c];
    if (!(channel instanceof Float32Array)) {
      throw new ResampleError("invalid-channels", `${name}[${c}] is not a Float32Array`);
    }
    if (length === -1) length = channel.length;
    else if (channel.length !== length) {
      throw new ResampleError(
        "channel-length",
        `${name}[${c}] has ${channel.length} samples, ${name}[0] has ${length}: channels must have equal lengths`,
      );
    }
  }
  return length;
}
