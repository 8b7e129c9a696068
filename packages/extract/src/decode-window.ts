import { assemblePackets, OggError, readPages } from "@granule/ogg-pages";
import { type OpusHead, packetSamples } from "@granule/opus-index";
import { DecoderFault, ExtractError } from "./errors.ts";
import type { WindowDecoder } from "./window-decoder.ts";
import { outputGain } from "./window-decoder.ts";
import { describeFault } from "./window-fault.ts";

/** Everything needed to decode one window, in a worker or in-process. Plain data: it is posted. */
export interface WindowJob {
  /** The window's whole pages, as read with one read. */
  bytes: Uint8Array;
  /** Absolute file offset of `bytes[0]`, for error messages. */
  byteOffset: number;
  serial: number;
  /** Packets starting on the first page before the first one to decode. */
  skipPackets: number;
  /** Durations of the packets to decode, from the index: checked against the bytes. */
  packetSamples: Uint16Array;
  /** Timeline sample where the first decoded packet starts. */
  decodeStartSample: number;
  head: OpusHead;
  applyGain: boolean;
  /** Output ranges, on the timeline: each gets its own arrays. */
  parts: { startSample: number; endSample: number }[];
}

/** Per part, per channel, the decoded samples. */
export type WindowOutput = Float32Array[][];

/**
 * Decodes one window from a fresh decoder state and cuts out its parts. The bytes are checked
 * page by page (CRC) and the packets found must be the ones the index promised, by count and
 * TOC duration, or the window fails with `bad-data` instead of giving shifted audio. A packet
 * the decoder cannot decode fails it with `decode-failed`, naming the packet's byte offset.
 */
export async function decodeWindow(decoder: WindowDecoder, job: WindowJob): Promise<WindowOutput> {
  const packets = windowPackets(job);
  try {
    return await decodePackets(decoder, job, packets);
  } catch (error) {
    if (error instanceof DecoderFault) throw await describeFault(error, job, packets);
    throw error;
  }
}

async function decodePackets(decoder: WindowDecoder, job: WindowJob, packets: Uint8Array[]): Promise<WindowOutput> {
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  for (const part of job.parts) {
    from = Math.min(from, part.startSample);
    to = Math.max(to, part.endSample);
  }
  const gain = job.applyGain ? outputGain(job.head) : 1;
  await decoder.restart();
  const channels = job.head.channels;
  if (job.parts.length === 1) {
    // One part: decode straight into its arrays.
    const out = Array.from({ length: channels }, () => new Float32Array(to - from));
    decodeChecked(decoder, packets, from - job.decodeStartSample, out, gain, job);
    return [out];
  }
  const span = Array.from({ length: channels }, () => new Float32Array(to - from));
  decodeChecked(decoder, packets, from - job.decodeStartSample, span, gain, job);
  return job.parts.map((part) => span.map((channel) => channel.slice(part.startSample - from, part.endSample - from)));
}

function decodeChecked(
  decoder: WindowDecoder,
  packets: Uint8Array[],
  skip: number,
  out: Float32Array[],
  gain: number,
  job: WindowJob,
): void {
  const decoded = decoder.decodeInto(packets, skip, out, gain);
  if (decoded < skip + (out[0]?.length ?? 0)) {
    throw new ExtractError(
      "bad-data",
      `decoded ${decoded} samples where the index promised at least ${skip + (out[0]?.length ?? 0)}`,
      { byteOffset: job.byteOffset },
    );
  }
}

/** The packets to decode, found in the window's bytes and checked against the index. */
export function windowPackets(job: WindowJob): Uint8Array[] {
  const wanted = job.packetSamples.length;
  const packets: Uint8Array[] = [];
  let seen = 0;
  try {
    // A first page that continues a packet from before the window yields a dropped fragment: expected.
    for (const packet of assemblePackets(readPages(job.bytes, { strict: true }))) {
      if (packet.serial !== job.serial) continue;
      if (seen++ < job.skipPackets) continue;
      packets.push(packet.data);
      if (packets.length === wanted) break;
    }
  } catch (error) {
    if (error instanceof OggError) {
      throw new ExtractError("bad-data", `the bytes read for a window are damaged: ${error.message}`, {
        byteOffset: job.byteOffset + error.byteOffset,
        cause: error,
      });
    }
    throw error;
  }
  if (packets.length !== wanted) {
    throw new ExtractError(
      "bad-data",
      `found ${packets.length} packets where the index promised ${wanted}: has the file changed?`,
      {
        byteOffset: job.byteOffset,
      },
    );
  }
  for (let i = 0; i < wanted; i++) {
    let toc = 0;
    try {
      toc = packetSamples(packets[i]!);
    } catch {
      // An invalid TOC fails the comparison below.
    }
    if (toc !== job.packetSamples[i]) {
      throw new ExtractError(
        "bad-data",
        `packet ${i} of the window lasts ${toc} samples, the index says ${job.packetSamples[i]}`,
        {
          byteOffset: job.byteOffset,
        },
      );
    }
  }
  return packets;
}
