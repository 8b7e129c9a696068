/** How channels become Opus streams (RFC 7845 §5.1.1). */
export interface ChannelLayout {
  /** 0: mono or coupled stereo; 255: independent streams, no speaker meaning. */
  mappingFamily: 0 | 255;
  streams: number;
  coupledStreams: number;
  /** mapping[c]: the decoded channel c comes from this stream channel. Identity here: channel k stays channel k. */
  mapping: Uint8Array;
}

/**
 * Mono: one stream. Stereo: one coupled stream (family 0), or two independent ones (family
 * 255) with `coupleStereo: false`, for two microphones that are not a stereo pair. More than
 * two channels: one uncoupled mono stream per channel (family 255), so channel k of the
 * source is channel k decoded and no channel's coding depends on another's.
 */
export function channelLayout(channels: number, coupleStereo: boolean): ChannelLayout {
  const identity = Uint8Array.from({ length: channels }, (_, i) => i);
  if (channels === 1) return { mappingFamily: 0, streams: 1, coupledStreams: 0, mapping: identity };
  if (channels === 2 && coupleStereo) return { mappingFamily: 0, streams: 1, coupledStreams: 1, mapping: identity };
  return { mappingFamily: 255, streams: channels, coupledStreams: 0, mapping: identity };
}

/** The OpusHead packet (RFC 7845 §5.1). `inputSampleRate` is informational: the true original rate. */
export function opusHead(
  channels: number,
  preSkip: number,
  inputSampleRate: number,
  layout: ChannelLayout,
): Uint8Array {
  const family = layout.mappingFamily;
  const head = new Uint8Array(19 + (family === 0 ? 0 : 2 + channels));
  head.set([0x4f, 0x70, 0x75, 0x73, 0x48, 0x65, 0x61, 0x64], 0); // "OpusHead"
  const view = new DataView(head.buffer);
  head[8] = 1;
  head[9] = channels;
  view.setUint16(10, preSkip, true);
  view.setUint32(12, inputSampleRate, true);
  view.setInt16(16, 0, true);
  head[18] = family;
  if (family !== 0) {
    head[19] = layout.streams;
    head[20] = layout.coupledStreams;
    head.set(layout.mapping, 21);
  }
  return head;
}

/** The OpusTags packet (RFC 7845 §5.2): vendor string and `NAME=value` comments. */
export function opusTags(vendor: string, comments: readonly string[]): Uint8Array {
  const encoder = new TextEncoder();
  const vendorBytes = encoder.encode(vendor);
  const commentBytes = comments.map((c) => encoder.encode(c));
  const size = 8 + 4 + vendorBytes.length + 4 + commentBytes.reduce((sum, c) => sum + 4 + c.length, 0);
  const tags = new Uint8Array(size);
  const view = new DataView(tags.buffer);
  tags.set([0x4f, 0x70, 0x75, 0x73, 0x54, 0x61, 0x67, 0x73], 0); // "OpusTags"
  let at = 8;
  view.setUint32(at, vendorBytes.length, true);
  tags.set(vendorBytes, at + 4);
  at += 4 + vendorBytes.length;
  view.setUint32(at, commentBytes.length, true);
  at += 4;
  for (const c of commentBytes) {
    view.setUint32(at, c.length, true);
    tags.set(c, at + 4);
    at += 4 + c.length;
  }
  return tags;
}
