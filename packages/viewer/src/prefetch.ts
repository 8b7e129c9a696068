import type { ByteSource, OpusIndex } from "@granule/opus-index";

/** A byte range of the recording's file. */
export interface ByteSpan {
  byteOffset: number;
  byteLength: number;
}

/**
 * The byte ranges that decoding `ranges` needs (each with `preRollSamples` before it), as the
 * index locates them, merged where they overlap or lie less than `gapBytes` apart: one request
 * for neighbours costs less than two, and bytes in a small gap are cheaper than a round trip.
 */
export function spansFor(
  index: OpusIndex,
  ranges: readonly { startSample: number; endSample: number }[],
  preRollSamples: number,
  gapBytes: number,
): ByteSpan[] {
  const spans = ranges
    .map((r) => index.locate(r.startSample, r.endSample, { preRollSamples }))
    .map((plan) => ({ byteOffset: plan.byteOffset, byteLength: plan.byteLength }))
    .sort((a, b) => a.byteOffset - b.byteOffset);
  const merged: ByteSpan[] = [];
  for (const span of spans) {
    const last = merged.at(-1);
    if (last !== undefined && span.byteOffset <= last.byteOffset + last.byteLength + gapBytes) {
      last.byteLength = Math.max(last.byteLength, span.byteOffset + span.byteLength - last.byteOffset);
    } else {
      merged.push({ ...span });
    }
  }
  return merged;
}

/**
 * A source that answers reads from spans fetched beforehand (with `concurrency` requests at
 * a time) and passes any other read to `source`: the bytes are the same either way, only
 * the number of requests changes. `misses` counts reads that were not prefetched.
 */
export async function prefetchedSource(
  source: ByteSource,
  spans: readonly ByteSpan[],
  options: { concurrency?: number; signal?: AbortSignal } = {},
): Promise<ByteSource & { misses: number; bytesFetched: number }> {
  const fetched: { byteOffset: number; bytes: Uint8Array }[] = new Array(spans.length);
  let next = 0;
  const lane = async () => {
    while (next < spans.length) {
      const i = next++;
      const span = spans[i]!;
      fetched[i] = {
        byteOffset: span.byteOffset,
        bytes: await source.read(span.byteOffset, span.byteLength, options.signal),
      };
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, spans.length) }, lane));
  const state = { misses: 0, bytesFetched: fetched.reduce((sum, f) => sum + f.bytes.length, 0) };
  return {
    size: source.size,
    get misses() {
      return state.misses;
    },
    get bytesFetched() {
      return state.bytesFetched;
    },
    read: async (byteOffset, byteLength, signal) => {
      for (const f of fetched) {
        if (byteOffset >= f.byteOffset && byteOffset + byteLength <= f.byteOffset + f.bytes.length) {
          return f.bytes.subarray(byteOffset - f.byteOffset, byteOffset - f.byteOffset + byteLength);
        }
      }
      state.misses++;
      const bytes = await source.read(byteOffset, byteLength, signal);
      state.bytesFetched += bytes.length;
      return bytes;
    },
  };
}
