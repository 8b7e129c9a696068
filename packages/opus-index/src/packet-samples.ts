import { OpusError } from "./errors.ts";

/** Samples per frame at 48 kHz for each of the 32 TOC configurations (RFC 6716 §3.1). */
const FRAME_SAMPLES = new Uint16Array(32);
for (let config = 0; config < 32; config++) {
  FRAME_SAMPLES[config] =
    config < 12
      ? [480, 960, 1920, 2880][config % 4]!
      : config < 16
        ? [480, 960][config % 2]!
        : [120, 240, 480, 960][config % 4]!;
}

/** The most audio one packet may hold: 120 ms. */
export const MAX_PACKET_SAMPLES = 5760;

/**
 * Duration in 48 kHz samples of the packet whose first bytes are at `bytes[at]`, from its TOC
 * byte, or 0 if the TOC gives no valid duration (`length` is the packet length, or at least 2
 * when the packet is longer). Allocation-free, for the index's inner loop.
 */
export function tocSamples(bytes: Uint8Array, at: number, length: number): number {
  if (length < 1) return 0;
  const toc = bytes[at]!;
  const frameSamples = FRAME_SAMPLES[toc >> 3]!;
  const code = toc & 3;
  let frames: number;
  if (code === 0) frames = 1;
  else if (code !== 3) frames = 2;
  else {
    if (length < 2) return 0;
    frames = bytes[at + 1]! & 0x3f;
  }
  const samples = frames * frameSamples;
  return samples > MAX_PACKET_SAMPLES ? 0 : samples;
}

/**
 * The duration of an Opus packet in 48 kHz samples, from its TOC byte (RFC 6716 §3.1),
 * without decoding. Throws `OpusError` for an empty packet, a code 3 packet without its frame
 * count or with 0 frames, or more than 120 ms. For a multistream packet the first stream's TOC
 * gives the duration of all.
 */
export function packetSamples(packet: Uint8Array): number {
  if (packet.length === 0) throw new OpusError("bad-packet", "an empty packet has no TOC byte");
  const samples = tocSamples(packet, 0, packet.length);
  if (samples === 0) {
    const code = packet[0]! & 3;
    if (code === 3 && packet.length < 2) {
      throw new OpusError("bad-packet", "code 3 packet has no frame count byte");
    }
    if (code === 3 && (packet[1]! & 0x3f) === 0) throw new OpusError("bad-packet", "code 3 packet with 0 frames");
    throw new OpusError("bad-packet", `packet holds more than 120 ms (TOC 0x${packet[0]!.toString(16)})`);
  }
  return samples;
}
