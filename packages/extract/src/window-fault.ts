import type { WindowJob } from "./decode-window.ts";
import { DecoderFault, ExtractError } from "./errors.ts";
import { packetByteOffsets } from "./packet-offsets.ts";
import { WindowDecoder } from "./window-decoder.ts";

/**
 * Turns a `DecoderFault` from decoding a window into an `ExtractError` that names the packet:
 * its absolute byte offset, its first sample, and the window's samples. A trap or a stack
 * overflow can show packets after the packet that caused it (an overflow corrupts silently,
 * and only the end of `decodeInto` looks), so the window is decoded again, packet by packet, in
 * a new decoder that is checked after each: the first packet that fails is the culprit.
 */
export async function describeFault(fault: DecoderFault, job: WindowJob, packets: Uint8Array[]): Promise<ExtractError> {
  let culprit = fault;
  if (fault.kind === "trap" || fault.kind === "stack-overflow") culprit = (await replay(job, packets)) ?? fault;
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  for (const part of job.parts) {
    from = Math.min(from, part.startSample);
    to = Math.max(to, part.endSample);
  }
  const what = {
    "packet-size": "it is empty or over opus-decoder's 3,840 bytes per channel",
    "libopus-error": culprit.message,
    trap: `the WASM decoder trapped on it (${culprit.cause instanceof Error ? culprit.cause.message : "a trap"})`,
    "stack-overflow":
      "decoding it overran the WASM decoder's 64 KiB stack and overwrote libopus's tables (native libopus, with a larger stack, may decode it)",
  }[culprit.kind];
  const window = `the window for samples ${from}-${to}`;
  if (culprit.packetIndex < 0) {
    return new ExtractError("decode-failed", `decoding ${window} failed: ${what}; the decoder was replaced`, {
      byteOffset: job.byteOffset,
      startSample: from,
      endSample: to,
      cause: fault,
    });
  }
  const k = culprit.packetIndex;
  const byteOffset = packetByteOffsets(job)[k] ?? job.byteOffset;
  let firstSample = job.decodeStartSample;
  for (let i = 0; i < k; i++) firstSample += job.packetSamples[i]!;
  const replaced = culprit.kind === "trap" || culprit.kind === "stack-overflow" ? "; the decoder was replaced" : "";
  return new ExtractError(
    "decode-failed",
    `cannot decode the packet at byte ${byteOffset} (${packets[k]!.length} bytes, from sample ${firstSample}; packet ${k} of ${window}): ${what}${replaced}`,
    { byteOffset, startSample: from, endSample: to, cause: fault },
  );
}

/** The first packet that faults when the window is decoded again in a new decoder, checked packet by packet. */
async function replay(job: WindowJob, packets: Uint8Array[]): Promise<DecoderFault | undefined> {
  const decoder = await WindowDecoder.create(job.head);
  const none: Float32Array[] = [];
  try {
    for (let i = 0; i < packets.length; i++) {
      try {
        decoder.decodeInto([packets[i]!], 0, none, 1);
      } catch (error) {
        if (!(error instanceof DecoderFault)) throw error;
        return new DecoderFault(error.kind, i, error.message, error.cause);
      }
    }
    return undefined;
  } finally {
    decoder.free();
  }
}
