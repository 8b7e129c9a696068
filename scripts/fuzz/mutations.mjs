// The fuzzer's mutations. Each takes (bytes, random, context) and returns new bytes and a short
// description, or null when it does not apply to these bytes (no page of the kind it edits).
// Byte-level edits break CRCs, so the reader mostly sees damaged bytes; the page- and
// header-level ones rewrite CRCs with @granule/ogg-pages' own setPageCrc/writePage, so that
// the damage reaches the index, the decoder and the archive instead of stopping at the CRC.
import { readPages, setPageCrc, writePage } from "@granule/ogg-pages";

/** Every valid page of the bytes, as [byteOffset, byteLength] plus its parsed header. */
function pagesOf(bytes) {
  const pages = [];
  for (const page of readPages(bytes)) pages.push(page);
  return pages;
}

function concat(parts) {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function randomBytes(random, length) {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = random.int(0, 256);
  return out;
}

/** The page bytes as a copy, with the header fields at their RFC 3533 offsets. */
function copyWithFixedCrc(bytes, byteOffset, edit) {
  const out = bytes.slice();
  edit(out);
  setPageCrc(out, byteOffset);
  return out;
}

function writeInt64LE(bytes, at, value) {
  const v = BigInt.asUintN(64, value);
  for (let i = 0; i < 8; i++) bytes[at + i] = Number((v >> BigInt(8 * i)) & 0xffn);
}

function readInt64LE(bytes, at) {
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]);
  return BigInt.asIntN(64, v);
}

/** Granules a writer or a damaged file might hold, around the page's own value. */
function granuleFor(random, current) {
  const choices = [
    () => -1n,
    () => 0n,
    () => current + BigInt(random.int(-5000, 5000)),
    () => current - BigInt(random.int(48_000, 480_000)),
    () => current + BigInt(random.int(48_000, 4_800_000)),
    () => current + (1n << 40n),
    () => (1n << 62n) + BigInt(random.int(0, 1000)),
    () => (1n << 63n) - 1n,
    () => -(1n << 63n),
    () => BigInt(random.int(0, 2 ** 31)),
    () => current * 2n,
  ];
  return random.pick(choices)();
}

// --- byte-level: what a bad disk, a bad copy or a cut-off transfer does -------------------------

function bitFlips(bytes, random) {
  if (bytes.length === 0) return null;
  const out = bytes.slice();
  const count = random.smallLength(16);
  for (let i = 0; i < count; i++) out[random.int(0, out.length)] ^= 1 << random.int(0, 8);
  return { bytes: out, what: `flip ${count} bit(s)` };
}

function byteSets(bytes, random) {
  if (bytes.length === 0) return null;
  const out = bytes.slice();
  const count = random.smallLength(8);
  const values = [0, 0xff, 0x7f, 0x80, 0x4f];
  for (let i = 0; i < count; i++)
    out[random.int(0, out.length)] = random.chance(0.5) ? random.pick(values) : random.int(0, 256);
  return { bytes: out, what: `set ${count} byte(s)` };
}

function insertBytes(bytes, random) {
  const at = random.int(0, bytes.length + 1);
  const length = random.smallLength(4096);
  const fill = random.chance(0.3) ? new Uint8Array(length) : randomBytes(random, length);
  return {
    bytes: concat([bytes.subarray(0, at), fill, bytes.subarray(at)]),
    what: `insert ${length} byte(s) at ${at}`,
  };
}

function deleteBytes(bytes, random) {
  if (bytes.length < 2) return null;
  const at = random.int(0, bytes.length);
  const length = Math.min(bytes.length - at, random.smallLength(8192));
  return {
    bytes: concat([bytes.subarray(0, at), bytes.subarray(at + length)]),
    what: `delete ${length} byte(s) at ${at}`,
  };
}

function truncate(bytes, random) {
  if (bytes.length < 2) return null;
  const at = random.chance(0.2) ? random.int(0, Math.min(bytes.length, 200)) : random.int(0, bytes.length);
  return { bytes: bytes.slice(0, at), what: `truncate to ${at} byte(s)` };
}

function duplicateRange(bytes, random) {
  if (bytes.length < 2) return null;
  const from = random.int(0, bytes.length);
  const length = Math.min(bytes.length - from, random.smallLength(16_384));
  const at = random.int(0, bytes.length + 1);
  return {
    bytes: concat([bytes.subarray(0, at), bytes.subarray(from, from + length), bytes.subarray(at)]),
    what: `copy ${length} byte(s) from ${from} to ${at}`,
  };
}

// --- page-level, CRCs valid: retried writes, bad concatenations, lost pages ----------------------

function dropPage(bytes, random) {
  const pages = pagesOf(bytes);
  if (pages.length < 2) return null;
  const p = random.pick(pages);
  const rest = concat([bytes.subarray(0, p.byteOffset), bytes.subarray(p.byteOffset + p.byteLength)]);
  return { bytes: rest, what: `drop page ${p.sequence} at ${p.byteOffset}` };
}

function duplicatePage(bytes, random) {
  const pages = pagesOf(bytes);
  if (pages.length === 0) return null;
  const p = random.pick(pages);
  const copy = bytes.subarray(p.byteOffset, p.byteOffset + p.byteLength);
  // Usually right after itself (a retried write), sometimes anywhere at a page boundary.
  const where = random.chance(0.6) ? p : random.pick(pages);
  const at = where.byteOffset + where.byteLength;
  return {
    bytes: concat([bytes.subarray(0, at), copy, bytes.subarray(at)]),
    what: `duplicate page ${p.sequence} (at ${p.byteOffset}) after the page at ${where.byteOffset}`,
  };
}

function swapPages(bytes, random) {
  const pages = pagesOf(bytes);
  if (pages.length < 2) return null;
  const i = random.int(0, pages.length - 1);
  const j = random.chance(0.7) ? i + 1 : random.int(i + 1, pages.length);
  const a = pages[i];
  const b = pages[j];
  const out = concat([
    bytes.subarray(0, a.byteOffset),
    bytes.subarray(b.byteOffset, b.byteOffset + b.byteLength),
    bytes.subarray(a.byteOffset + a.byteLength, b.byteOffset),
    bytes.subarray(a.byteOffset, a.byteOffset + a.byteLength),
    bytes.subarray(b.byteOffset + b.byteLength),
  ]);
  return { bytes: out, what: `swap pages at ${a.byteOffset} and ${b.byteOffset}` };
}

/** Sequence numbers made consecutive again (and CRCs fixed): a drop or swap the sequence cannot show. */
function renumberPages(bytes, random) {
  const pages = pagesOf(bytes);
  if (pages.length < 2) return null;
  const out = bytes.slice();
  const next = new Map();
  for (const p of pages) {
    const sequence = next.get(p.serial) ?? p.sequence;
    next.set(p.serial, sequence + 1);
    if (sequence === p.sequence) continue;
    new DataView(out.buffer).setUint32(p.byteOffset + 18, sequence >>> 0, true);
    setPageCrc(out, p.byteOffset);
  }
  void random;
  return { bytes: out, what: "renumber page sequences" };
}

function spliceOther(bytes, random, context) {
  const other = random.pick(context.corpus).bytes;
  const pages = pagesOf(other);
  if (pages.length === 0) return null;
  const first = random.int(0, pages.length);
  const count = random.smallLength(Math.min(8, pages.length - first));
  const from = pages[first].byteOffset;
  const to = pages[first + count - 1].byteOffset + pages[first + count - 1].byteLength;
  const own = pagesOf(bytes);
  const at = own.length === 0 || random.chance(0.3) ? bytes.length : random.pick(own).byteOffset;
  return {
    bytes: concat([bytes.subarray(0, at), other.subarray(from, to), bytes.subarray(at)]),
    what: `insert ${count} page(s) of another file at ${at}`,
  };
}

// --- header fields, CRCs fixed ------------------------------------------------------------------

function editGranule(bytes, random) {
  const pages = pagesOf(bytes);
  if (pages.length === 0) return null;
  const p = random.chance(0.3) ? pages[pages.length - 1] : random.pick(pages);
  const granule = granuleFor(random, readInt64LE(bytes, p.byteOffset + 6));
  const out = copyWithFixedCrc(bytes, p.byteOffset, (b) => writeInt64LE(b, p.byteOffset + 6, granule));
  return { bytes: out, what: `granule of the page at ${p.byteOffset} := ${granule}` };
}

function editSequence(bytes, random) {
  const pages = pagesOf(bytes);
  if (pages.length === 0) return null;
  const p = random.pick(pages);
  const value = random.pick([
    0,
    p.sequence - 1,
    p.sequence + 1,
    p.sequence + random.int(2, 100),
    0xffffffff,
    0x7fffffff,
  ]);
  const out = copyWithFixedCrc(bytes, p.byteOffset, (b) => {
    new DataView(b.buffer).setUint32(p.byteOffset + 18, value >>> 0, true);
  });
  return { bytes: out, what: `sequence of the page at ${p.byteOffset} := ${value >>> 0}` };
}

function editSerial(bytes, random) {
  const pages = pagesOf(bytes);
  if (pages.length === 0) return null;
  const p = random.pick(pages);
  const value = random.pick([0, p.serial ^ 1, random.int(0, 2 ** 31)]);
  const out = copyWithFixedCrc(bytes, p.byteOffset, (b) => {
    new DataView(b.buffer).setUint32(p.byteOffset + 14, value >>> 0, true);
  });
  return { bytes: out, what: `serial of the page at ${p.byteOffset} := ${value >>> 0}` };
}

function editFlags(bytes, random) {
  const pages = pagesOf(bytes);
  if (pages.length === 0) return null;
  const p = random.chance(0.3) ? pages[0] : random.pick(pages);
  const bit = random.pick([0x01, 0x02, 0x04]);
  const out = copyWithFixedCrc(bytes, p.byteOffset, (b) => {
    b[p.byteOffset + 5] ^= bit;
  });
  return { bytes: out, what: `flag 0x0${bit} of the page at ${p.byteOffset} toggled` };
}

/** Moves packet boundaries inside a page, keeping its length: packets split, merged, continued. */
function editLacing(bytes, random) {
  const pages = pagesOf(bytes).filter((p) => p.lacing.length >= 1);
  if (pages.length === 0) return null;
  const p = random.pick(pages);
  const n = p.lacing.length;
  const i = random.int(0, n);
  const j = random.int(0, n);
  const at = p.byteOffset + 27;
  const out = bytes.slice();
  const a = out[at + i];
  const b = out[at + j];
  // Move some bytes from entry i to entry j (the sum stays), or set entry i to 255 / 0 elsewhere.
  const moved = Math.min(a, 255 - b, random.int(1, 256));
  if (i === j || moved === 0) {
    out[at + i] = random.pick([0, 255]);
    out[at + j] = a + b - out[at + i] <= 255 ? a + b - out[at + i] : out[at + j];
  } else {
    out[at + i] = a - moved;
    out[at + j] = b + moved;
  }
  let sum = 0;
  for (let k = 0; k < n; k++) sum += out[at + k];
  if (sum !== p.bodyByteLength) return null;
  setPageCrc(out, p.byteOffset);
  return { bytes: out, what: `lacing of the page at ${p.byteOffset}: entries ${i}, ${j}` };
}

function opusHeadPage(bytes) {
  for (const p of pagesOf(bytes)) {
    if (p.body.length >= 19 && String.fromCharCode(...p.body.subarray(0, 8)) === "OpusHead") return p;
  }
  return null;
}

/** OpusHead fields: gain, pre-skip, channels, family, input rate, version, stream counts, mapping. */
function editOpusHead(bytes, random) {
  const p = opusHeadPage(bytes);
  if (p === null) return null;
  const body = p.byteOffset + p.headerByteLength;
  const fields = [
    ["version", 8, 1, () => random.pick([0, 1, 15, 16, 255])],
    ["channels", 9, 1, () => random.pick([0, 1, 2, 3, 6, 8, 9, 255])],
    ["pre-skip", 10, 2, () => random.pick([0, 1, 312, 3840, 3841, 24_000, 48_000, 65_535, random.int(0, 65_536)])],
    ["input rate", 12, 4, () => random.pick([0, 8000, 48_000, 96_000, 384_000, 0xffffffff])],
    ["gain", 16, 2, () => random.pick([0, 256, 0x7fff, 0x8000, 0xffff, random.int(0, 65_536)])],
    ["family", 18, 1, () => random.pick([0, 1, 2, 255])],
    ["stream count", 19, 1, () => random.pick([0, 1, 2, 255])],
    ["coupled count", 20, 1, () => random.pick([0, 1, 2, 255])],
    ["mapping byte", 21 + random.int(0, 8), 1, () => random.pick([0, 1, 5, 255])],
  ];
  const [name, offset, size, value] = random.pick(fields);
  if (offset + size > p.body.length) return null;
  const v = value();
  const out = copyWithFixedCrc(bytes, p.byteOffset, (b) => {
    for (let k = 0; k < size; k++) b[body + offset + k] = (v >>> (8 * k)) & 0xff;
  });
  return { bytes: out, what: `OpusHead ${name} := ${v}` };
}

/** OpusTags lengths: a vendor or comment length or count that points past the packet. */
function editOpusTags(bytes, random) {
  const p = pagesOf(bytes).find(
    (q) => q.body.length >= 16 && String.fromCharCode(...q.body.subarray(0, 8)) === "OpusTags",
  );
  if (p === undefined) return null;
  const body = p.byteOffset + p.headerByteLength;
  const at = random.int(8, Math.min(p.body.length - 4, 64));
  const v = random.pick([0, 1, 0x7fffffff, 0xffffffff, p.body.length, random.int(0, 1000)]);
  const out = copyWithFixedCrc(bytes, p.byteOffset, (b) => {
    new DataView(b.buffer).setUint32(body + at, v >>> 0, true);
  });
  return { bytes: out, what: `OpusTags u32 at ${at} := ${v >>> 0}` };
}

/** Damage inside an audio page's body, CRC fixed: only the decoder (or the TOC reader) can notice. */
function editPacketBytes(bytes, random) {
  const pages = pagesOf(bytes).filter((p) => p.body.length > 0 && p.granule !== 0n);
  if (pages.length === 0) return null;
  const p = random.pick(pages);
  const body = p.byteOffset + p.headerByteLength;
  // Packet starts in the body, from the lacing values.
  const starts = [0];
  let at = 0;
  for (const value of p.lacing) {
    at += value;
    if (value < 255 && at < p.body.length) starts.push(at);
  }
  const start = random.pick(starts);
  const kinds = ["toc", "flip", "zero", "random"];
  const kind = random.pick(kinds);
  const out = copyWithFixedCrc(bytes, p.byteOffset, (b) => {
    if (kind === "toc") b[body + start] = random.int(0, 256);
    else if (kind === "flip") {
      for (let k = random.smallLength(8); k > 0; k--) b[body + random.int(0, p.body.length)] ^= 1 << random.int(0, 8);
    } else {
      const length = Math.min(p.body.length - start, random.smallLength(400));
      for (let k = 0; k < length; k++) b[body + start + k] = kind === "zero" ? 0 : random.int(0, 256);
    }
  });
  return { bytes: out, what: `${kind} in a packet at ${body + start} (page at ${p.byteOffset})` };
}

/** A packet of an unusual length (empty, huge, cut), the page rewritten around it. */
function resizePacket(bytes, random) {
  const pages = pagesOf(bytes).filter((p) => !p.continued && p.body.length > 0 && p.granule > 0n);
  if (pages.length === 0) return null;
  const p = random.pick(pages);
  const packets = [];
  let start = 0;
  let at = 0;
  let complete = true;
  for (const value of p.lacing) {
    at += value;
    if (value < 255) {
      packets.push(p.body.slice(start, at));
      start = at;
    }
  }
  if (start !== at) complete = false; // the last packet goes on to the next page
  if (packets.length === 0 || !complete) return null;
  const k = random.int(0, packets.length);
  const length = random.pick([
    0,
    1,
    2,
    Math.floor(packets[k].length / 2),
    packets[k].length + random.int(1, 2000),
    7681,
  ]);
  const resized = new Uint8Array(length);
  resized.set(packets[k].subarray(0, Math.min(length, packets[k].length)));
  for (let i = packets[k].length; i < length; i++) resized[i] = random.int(0, 256);
  packets[k] = resized;
  const lacing = [];
  for (const packet of packets) {
    for (let n = packet.length; ; n -= 255) {
      lacing.push(Math.min(255, n));
      if (n < 255) break;
    }
  }
  if (lacing.length > 255) return null;
  const page = writePage({
    continued: p.continued,
    bos: p.bos,
    eos: p.eos,
    granule: p.granule,
    serial: p.serial,
    sequence: p.sequence,
    lacing,
    body: concat(packets),
  });
  return {
    bytes: concat([bytes.subarray(0, p.byteOffset), page, bytes.subarray(p.byteOffset + p.byteLength)]),
    what: `packet ${k} of the page at ${p.byteOffset} resized to ${length} byte(s)`,
  };
}

// --- recorders' files: WAV chunk fields, FLAC STREAMINFO -----------------------------------------

/** A RIFF/RF64 size, or a fmt field, set to an edge value: what a recorder's bad write gives. */
function editWavHeader(bytes, random) {
  const tag = String.fromCharCode(...bytes.subarray(0, 4));
  if (tag !== "RIFF" && tag !== "RF64" && tag !== "BW64") return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fields = [["RIFF size", 4, 4]];
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = String.fromCharCode(...bytes.subarray(at, at + 4));
    const size = view.getUint32(at + 4, true);
    fields.push([`${id} size`, at + 4, 4]);
    if (id === "fmt ") {
      for (const [name, offset, width] of [
        ["format tag", 8, 2],
        ["channels", 10, 2],
        ["sample rate", 12, 4],
        ["byte rate", 16, 4],
        ["block align", 20, 2],
        ["bits", 22, 2],
      ]) {
        if (at + offset + width <= bytes.length) fields.push([`fmt ${name}`, at + offset, width]);
      }
    }
    if (size > bytes.length) break;
    at += 8 + size + (size & 1);
  }
  const [name, offset, width] = random.pick(fields);
  const max = width === 2 ? 0xffff : 0xffffffff;
  const current = width === 2 ? view.getUint16(offset, true) : view.getUint32(offset, true);
  const value =
    random.pick([
      0,
      1,
      2,
      3,
      8,
      24,
      32,
      64,
      max,
      max >>> 1,
      current + 1,
      current - 1,
      current * 2,
      random.int(0, max),
    ]) >>> 0;
  const out = bytes.slice();
  const outView = new DataView(out.buffer);
  if (width === 2) outView.setUint16(offset, value & 0xffff, true);
  else outView.setUint32(offset, value, true);
  return { bytes: out, what: `${name} := ${value}` };
}

/** Bytes of FLAC's STREAMINFO (block sizes, frame sizes, rate, channels, bits, total samples, MD5). */
function editFlacStreamInfo(bytes, random) {
  if (String.fromCharCode(...bytes.subarray(0, 4)) !== "fLaC" || bytes.length < 42) return null;
  const out = bytes.slice();
  const count = random.smallLength(3);
  for (let i = 0; i < count; i++)
    out[random.int(8, 26)] = random.chance(0.5) ? random.pick([0, 0xff]) : random.int(0, 256);
  return { bytes: out, what: `${count} STREAMINFO byte(s) set` };
}

/** The mutations, with weights: page- and header-level ones (CRCs valid) most often. */
export const MUTATIONS = [
  [bitFlips, 3],
  [byteSets, 2],
  [insertBytes, 2],
  [deleteBytes, 2],
  [truncate, 3],
  [duplicateRange, 1],
  [dropPage, 4],
  [duplicatePage, 4],
  [swapPages, 3],
  [renumberPages, 2],
  [spliceOther, 2],
  [editGranule, 6],
  [editSequence, 2],
  [editSerial, 1],
  [editFlags, 3],
  [editLacing, 3],
  [editOpusHead, 6],
  [editOpusTags, 2],
  [editPacketBytes, 6],
  [resizePacket, 4],
  [editWavHeader, 4],
  [editFlacStreamInfo, 2],
];

const TOTAL_WEIGHT = MUTATIONS.reduce((sum, [, weight]) => sum + weight, 0);

function pickMutation(random) {
  let r = random.next() * TOTAL_WEIGHT;
  for (const [mutation, weight] of MUTATIONS) {
    r -= weight;
    if (r < 0) return mutation;
  }
  return MUTATIONS[MUTATIONS.length - 1][0];
}

/**
 * A mutant of one corpus file: 1 to 4 mutations in a row (mostly 1). Returns the bytes, the
 * base file's name and what was done, in order.
 */
export function mutate(random, context) {
  const base = random.pick(context.corpus);
  let bytes = base.bytes;
  const steps = [];
  const count = random.chance(0.6) ? 1 : random.int(2, 5);
  for (let attempt = 0; steps.length < count && attempt < count * 4; attempt++) {
    const mutation = pickMutation(random);
    let result = null;
    try {
      result = mutation(bytes, random, context);
    } catch {
      result = null; // an edit that does not fit these bytes (a page cut off by an earlier step)
    }
    if (result === null) continue;
    bytes = result.bytes;
    steps.push(`${mutation.name}: ${result.what}`);
  }
  return { bytes, base: base.name, kind: base.kind, steps };
}
