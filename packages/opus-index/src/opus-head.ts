import { OpusError } from "./errors.ts";

/** The identification header, RFC 7845 §5.1. */
export interface OpusHead {
  /** 1 for every stream written so far; 2-15 are compatible minor versions. */
  version: number;
  channels: number;
  /** Samples (at 48 kHz) to discard from the start of the decoded stream. */
  preSkip: number;
  /** The encoder's input rate, for information only: Opus always decodes at 48 kHz here. */
  inputSampleRate: number;
  /** Output gain in Q7.8 dB, to apply to decoded samples (256 = +1 dB). */
  outputGainQ8: number;
  /** 0: mono/stereo, 1: Vorbis channel order up to 8, 255: undefined order, others as RFC 8486. */
  mappingFamily: number;
  /** Number of Opus streams in each packet (1 for family 0). */
  streamCount: number;
  /** How many of them are coupled (stereo) streams. */
  coupledCount: number;
  /** Output channel -> decoded stream channel; 255 is a silent channel. */
  mapping: Uint8Array;
}

const MAGIC = [0x4f, 0x70, 0x75, 0x73, 0x48, 0x65, 0x61, 0x64]; // "OpusHead"

/** Parses and validates an OpusHead packet. Throws `OpusError` naming the bad field. */
export function parseOpusHead(packet: Uint8Array): OpusHead {
  if (!hasMagic(packet, MAGIC)) {
    throw new OpusError("bad-magic", `expected an OpusHead packet, found ${describeStart(packet)}`);
  }
  if (packet.length < 19) {
    throw new OpusError("truncated-header", `OpusHead has ${packet.length} bytes; at least 19 are needed`);
  }
  const version = packet[8]!;
  if (version >= 16) {
    throw new OpusError(
      "bad-version",
      `OpusHead version ${version} is an incompatible major version (0-15 are readable)`,
    );
  }
  const channels = packet[9]!;
  if (channels === 0) throw new OpusError("bad-channels", "OpusHead channel count is 0");
  const preSkip = packet[10]! | (packet[11]! << 8);
  const inputSampleRate = (packet[12]! | (packet[13]! << 8) | (packet[14]! << 16) | (packet[15]! << 24)) >>> 0;
  const outputGainQ8 = ((packet[16]! | (packet[17]! << 8)) << 16) >> 16;
  const mappingFamily = packet[18]!;

  if (mappingFamily === 0) {
    if (channels > 2) {
      throw new OpusError("bad-channels", `OpusHead mapping family 0 allows 1 or 2 channels, found ${channels}`);
    }
    return {
      version,
      channels,
      preSkip,
      inputSampleRate,
      outputGainQ8,
      mappingFamily,
      streamCount: 1,
      coupledCount: channels - 1,
      mapping: channels === 1 ? Uint8Array.of(0) : Uint8Array.of(0, 1),
    };
  }
  if (mappingFamily === 1 && channels > 8) {
    throw new OpusError("bad-channels", `OpusHead mapping family 1 allows 1 to 8 channels, found ${channels}`);
  }
  if (packet.length < 21 + channels) {
    throw new OpusError(
      "truncated-header",
      `OpusHead with mapping family ${mappingFamily} and ${channels} channels needs ${21 + channels} bytes, has ${packet.length}`,
    );
  }
  const streamCount = packet[19]!;
  const coupledCount = packet[20]!;
  if (streamCount === 0) throw new OpusError("bad-mapping", "OpusHead stream count is 0");
  if (coupledCount > streamCount) {
    throw new OpusError("bad-mapping", `OpusHead coupled count ${coupledCount} exceeds stream count ${streamCount}`);
  }
  if (streamCount + coupledCount > 255) {
    throw new OpusError("bad-mapping", `OpusHead streams + coupled streams is ${streamCount + coupledCount}, over 255`);
  }
  const mapping = packet.slice(21, 21 + channels);
  const decodedChannels = streamCount + coupledCount;
  for (let i = 0; i < channels; i++) {
    const entry = mapping[i]!;
    if (entry !== 255 && entry >= decodedChannels) {
      throw new OpusError(
        "bad-mapping",
        `OpusHead channel ${i} maps to decoded channel ${entry}, but there are only ${decodedChannels}`,
      );
    }
  }
  return {
    version,
    channels,
    preSkip,
    inputSampleRate,
    outputGainQ8,
    mappingFamily,
    streamCount,
    coupledCount,
    mapping,
  };
}

export function hasMagic(packet: Uint8Array, magic: readonly number[]): boolean {
  if (packet.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (packet[i] !== magic[i]) return false;
  return true;
}

/** The first bytes of a packet, printable, for error messages. */
export function describeStart(packet: Uint8Array): string {
  if (packet.length === 0) return "an empty packet";
  const head = packet.subarray(0, 8);
  const text = Array.from(head, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".")).join("");
  return `a packet starting "${text}" (${packet.length} bytes)`;
}
