import { readFileSync } from "node:fs";
import { assemblePackets, parsePageHeader, readPages, writePages } from "@granule/ogg-pages";
import { bufferSource, buildIndex, type Recording, recording } from "@granule/opus-index";
import { OpusDecoder } from "opus-decoder";

export function loadFixture(file: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`../../../fixtures/${file}`, import.meta.url)));
}

export async function open(file: string, sampleRate = 48_000): Promise<Recording & { bytes: Uint8Array }> {
  const bytes = loadFixture(file);
  return { ...recording(await buildIndex(bytes, { workers: 0 }), bufferSource(bytes), sampleRate), bytes };
}

/**
 * A straight-through decode of each link with the public opus-decoder API (which drops the
 * pre-skip itself): element k of link L's arrays is timeline sample links[L].firstSample + k.
 */
export async function straightThrough(rec: Recording & { bytes: Uint8Array }): Promise<Float32Array[][]> {
  const packets = [...assemblePackets(readPages(rec.bytes))];
  const out: Float32Array[][] = [];
  for (const link of rec.index.links) {
    const head = link.head;
    const decoder = new OpusDecoder({
      channels: head.channels,
      streamCount: head.streamCount,
      coupledStreamCount: head.coupledCount,
      channelMappingTable: [...head.mapping],
      preSkip: head.preSkip,
    });
    await decoder.ready;
    const audio = packets
      .filter((p) => p.serial === link.serial)
      .slice(2)
      .map((p) => p.data);
    const decoded = decoder.decodeFrames(audio);
    decoder.free();
    out.push(decoded.channelData);
  }
  return out;
}

/** Reference samples [start, end) on the timeline, assuming they lie in one link. */
export function referenceRange(
  rec: Recording,
  reference: Float32Array[][],
  start: number,
  end: number,
): Float32Array[] {
  const link = rec.index.linkAt(start);
  const first = rec.index.links[link]!.firstSample;
  return reference[link]!.map((channel) => channel.subarray(start - first, end - first));
}

/** SNR in dB of `actual` against `expected`, all channels; Infinity when identical. */
export function snr(expected: Float32Array[], actual: Float32Array[]): number {
  let signal = 0;
  let noise = 0;
  expected.forEach((channel, c) => {
    const other = actual[c]!;
    for (let i = 0; i < channel.length; i++) {
      signal += channel[i]! ** 2;
      noise += (channel[i]! - other[i]!) ** 2;
    }
  });
  return noise === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10(signal / noise);
}

export function identical(a: Float32Array[], b: Float32Array[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((channel, c) => channel.length === b[c]!.length && channel.every((x, i) => Object.is(x, b[c]![i])));
}

/**
 * An Ogg Opus file of `seconds` seconds made of the real packets of a fixture (20 ms each),
 * repeated, in one-second pages as ffmpeg writes them: long inputs without long fixtures.
 */
export function longOpus(
  seconds: number,
  file = "ffmpeg-mono.opus",
  serial = 77,
  /** Comments for an OpusTags of the file's own in place of the fixture's (vendor "longOpus"). */
  comments?: readonly string[],
): Uint8Array {
  const [head, fixtureTags, ...audio] = [...assemblePackets(readPages(loadFixture(file)))];
  const tags = comments === undefined ? fixtureTags : { data: opusTagsPacket("longOpus", comments) };
  const total = seconds * 50;
  function* packets() {
    yield { data: head!.data, granule: 0n, flush: true };
    yield { data: tags!.data, granule: 0n, flush: true };
    let granule = 312n;
    for (let n = 1; n <= total; n++) {
      granule += 960n;
      yield { data: audio[(n - 1) % audio.length]!.data, granule, flush: n % 50 === 0 };
    }
  }
  return writePages(packets(), { serial, targetBodyByteLength: 1 << 30 });
}

/** An OpusTags packet (RFC 7845 section 5.2): magic, vendor, then each comment, lengths little-endian. */
function opusTagsPacket(vendor: string, comments: readonly string[]): Uint8Array {
  const text = new TextEncoder();
  const fields = [vendor, ...comments].map((f) => text.encode(f));
  const out = new Uint8Array(8 + 4 + fields.reduce((n, f) => n + 4 + f.length, 0));
  const view = new DataView(out.buffer);
  out.set(text.encode("OpusTags"));
  let at = 8;
  for (const [i, field] of fields.entries()) {
    view.setUint32(at, field.length, true);
    out.set(field, at + 4);
    at += 4 + field.length;
    if (i === 0) {
      view.setUint32(at, comments.length, true);
      at += 4;
    }
  }
  return out;
}

/** Byte-for-byte equality (vitest's toEqual walks a large array element by element, slowly). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `bytes` without the pages numbered in `drop` (counted from 0): holes for the index to find. */
export function dropPages(bytes: Uint8Array, drop: number[]): Uint8Array {
  const pages: [number, number][] = [];
  for (let at = 0; at < bytes.length; ) {
    const h = parsePageHeader(bytes, at);
    pages.push([at, h.byteLength]);
    at += h.byteLength;
  }
  const kept = pages.filter((_, i) => !drop.includes(i));
  const out = new Uint8Array(kept.reduce((n, [, l]) => n + l, 0));
  let o = 0;
  for (const [at, l] of kept) {
    out.set(bytes.subarray(at, at + l), o);
    o += l;
  }
  return out;
}

/** A seeded generator of numbers in [0, 1): the same cases in every run. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
