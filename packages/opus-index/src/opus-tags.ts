import { OpusError } from "./errors.ts";
import { describeStart, hasMagic } from "./opus-head.ts";

/** The comment header, RFC 7845 §5.2. */
export interface OpusTags {
  vendor: string;
  /** The comments as stored, `NAME=value`, in order. */
  comments: string[];
}

const MAGIC = [0x4f, 0x70, 0x75, 0x73, 0x54, 0x61, 0x67, 0x73]; // "OpusTags"

/** Parses an OpusTags packet, checking every length against the bytes present. */
export function parseOpusTags(packet: Uint8Array): OpusTags {
  if (!hasMagic(packet, MAGIC)) {
    throw new OpusError("bad-magic", `expected an OpusTags packet, found ${describeStart(packet)}`);
  }
  const decoder = new TextDecoder("utf-8");
  let at = 8;
  const readLength = (what: string): number => {
    if (at + 4 > packet.length) {
      throw new OpusError("truncated-header", `OpusTags ends at byte ${packet.length} inside the length of ${what}`);
    }
    const length = (packet[at]! | (packet[at + 1]! << 8) | (packet[at + 2]! << 16) | (packet[at + 3]! << 24)) >>> 0;
    at += 4;
    return length;
  };
  const readString = (what: string): string => {
    const length = readLength(what);
    if (length > packet.length - at) {
      throw new OpusError(
        "truncated-header",
        `OpusTags ${what} claims ${length} bytes at packet byte ${at}, but only ${packet.length - at} remain`,
      );
    }
    const text = decoder.decode(packet.subarray(at, at + length));
    at += length;
    return text;
  };
  const vendor = readString("vendor string");
  const count = readLength("comment count");
  // Each comment needs at least its 4-byte length: reject absurd counts before allocating.
  if (count > (packet.length - at) / 4) {
    throw new OpusError(
      "truncated-header",
      `OpusTags claims ${count} comments, more than its ${packet.length} bytes hold`,
    );
  }
  const comments: string[] = [];
  for (let i = 0; i < count; i++) comments.push(readString(`comment ${i}`));
  return { vendor, comments };
}

/** Values of the comments named `name` (case-insensitive, as Vorbis comments are). */
export function tagValues(tags: OpusTags, name: string): string[] {
  const prefix = `${name.toUpperCase()}=`;
  return tags.comments
    .filter((c) => c.slice(0, prefix.length).toUpperCase() === prefix)
    .map((c) => c.slice(prefix.length));
}
