import { type WritePacket, type WritePagesOptions, writePages } from "@granule/ogg-pages";
import fc from "fast-check";

/** Deterministic, cheap filler so 100 kB packets do not cost a 100 kB fast-check array each. */
export function packetBytes(length: number, seed: number): Uint8Array {
  const data = new Uint8Array(length);
  let x = (seed * 2654435761 + 1) >>> 0;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    data[i] = x >>> 24;
  }
  return data;
}

/** Packet sizes the lacing rules make interesting, and anything up to 100 kB. */
export const packetSize = fc.oneof(
  fc.constantFrom(0, 1, 254, 255, 256, 509, 510, 511),
  fc.integer({ min: 1, max: 400 }).map((k) => k * 255),
  fc.integer({ min: 0, max: 2000 }),
  fc.integer({ min: 0, max: 100_000 }),
);

const int64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });

export const packetList = fc.array(
  fc
    .record({ size: packetSize, seed: fc.nat(), granule: int64, flush: fc.boolean() })
    .map(({ size, seed, granule, flush }): WritePacket => ({ data: packetBytes(size, seed), granule, flush })),
  { maxLength: 12 },
);

export const writerOptions = fc.record({
  serial: fc.nat({ max: 0xffffffff }),
  firstSequence: fc.nat({ max: 0xffffffff }),
  maxLacingValues: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 255 })),
  targetBodyByteLength: fc.oneof(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 1, max: 70_000 })),
}) satisfies fc.Arbitrary<WritePagesOptions>;

/** A small valid Ogg stream: a handful of packets over a few pages. */
export const oggStream = fc
  .tuple(
    fc.array(fc.record({ size: fc.integer({ min: 0, max: 1200 }), seed: fc.nat() }), { minLength: 1, maxLength: 8 }),
    fc.nat({ max: 0xffffffff }),
    fc.integer({ min: 1, max: 12 }),
  )
  .map(([sizes, serial, maxLacingValues]) =>
    writePages(
      sizes.map(({ size, seed }, i) => ({ data: packetBytes(size, seed), granule: BigInt(i * 960) })),
      { serial, maxLacingValues },
    ),
  );

/**
 * Bytes that look like Ogg to a parser in every way that can go wrong: valid pages, pieces of
 * pages, capture patterns in random places, junk, all glued together.
 */
export const messyBytes = fc
  .array(
    fc.oneof(
      oggStream,
      oggStream.chain((page) => fc.nat({ max: page.length }).map((cut) => page.subarray(0, cut))),
      oggStream.chain((page) =>
        fc.tuple(fc.nat({ max: page.length - 1 }), fc.integer({ min: 1, max: 255 })).map(([at, mask]) => {
          const damaged = page.slice();
          damaged[at]! ^= mask;
          return damaged;
        }),
      ),
      fc.constant(new Uint8Array([0x4f, 0x67, 0x67, 0x53])),
      fc.constant(new Uint8Array([0x4f, 0x67, 0x67, 0x53, 0, 0, 0xff, 0xff])),
      fc.uint8Array({ maxLength: 64 }),
    ),
    { maxLength: 8 },
  )
  .map((parts) => {
    const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  });

/** Cuts `bytes` into consecutive chunks at the given (unsorted, possibly repeated) positions. */
export function chunksAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let previous = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.slice(previous, point));
    previous = point;
  }
  return chunks;
}
