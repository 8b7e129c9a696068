import { assemblePackets, readPages } from "@granule/ogg-pages";
import { OpusError, packetSamples, parseOpusHead, parseOpusTags, tagValues } from "@granule/opus-index";
import { describe, expect, it } from "vitest";
import { loadFixture, opusFixtures } from "./fixtures.ts";

function headerPackets(file: string) {
  const packets = [...assemblePackets(readPages(loadFixture(file)))];
  return packets;
}

function expectOpusError(run: () => unknown, code: string, pattern?: RegExp): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(OpusError);
    expect((error as OpusError).code).toBe(code);
    if (pattern) expect((error as OpusError).message).toMatch(pattern);
    return;
  }
  throw new Error(`expected OpusError ${code}`);
}

const HEAD_MONO = Uint8Array.from([
  0x4f, 0x70, 0x75, 0x73, 0x48, 0x65, 0x61, 0x64, 1, 1, 0x38, 0x01, 0x80, 0xbb, 0, 0, 0, 0, 0,
]);

function head51(edit: (bytes: Uint8Array) => void = () => {}): Uint8Array {
  const bytes = new Uint8Array(27);
  bytes.set(HEAD_MONO.subarray(0, 8));
  bytes.set([1, 6, 0x38, 0x01, 0x80, 0xbb, 0, 0, 0x00, 0x01, 1, 4, 2, 0, 4, 1, 2, 3, 5], 8);
  edit(bytes);
  return bytes;
}

describe("parseOpusHead", () => {
  for (const fact of opusFixtures) {
    const links = fact.opus!.links;
    it(`reads every field libopusfile reports for ${fact.file}`, () => {
      const packets = headerPackets(fact.file);
      for (const link of links) {
        const head = parseOpusHead(packets.find((p) => p.serial === link.serial)!.data);
        expect({ ...head, mapping: [...head.mapping] }).toEqual({
          version: 1,
          channels: link.channels,
          preSkip: link.preSkip,
          inputSampleRate: link.inputSampleRate,
          outputGainQ8: link.outputGain,
          mappingFamily: link.mappingFamily,
          streamCount: link.streamCount,
          coupledCount: link.coupledCount,
          mapping: link.mapping,
        });
      }
    });
  }

  it("reads a signed output gain and family 1 fields", () => {
    const head = parseOpusHead(head51((b) => b.set([0x00, 0xff], 16)));
    expect(head.outputGainQ8).toBe(-256);
    expect([head.mappingFamily, head.streamCount, head.coupledCount, [...head.mapping]]).toEqual([
      1,
      4,
      2,
      [0, 4, 1, 2, 3, 5],
    ]);
  });

  it("rejects broken headers with a code and a message that names the field", () => {
    expectOpusError(() => parseOpusHead(new TextEncoder().encode("OpusTags........")), "bad-magic", /OpusTags/);
    expectOpusError(() => parseOpusHead(HEAD_MONO.subarray(0, 18)), "truncated-header", /18 bytes/);
    expectOpusError(() => parseOpusHead(HEAD_MONO.map((b, i) => (i === 8 ? 16 : b))), "bad-version", /16/);
    expect(parseOpusHead(HEAD_MONO.map((b, i) => (i === 8 ? 15 : b))).version).toBe(15);
    expectOpusError(() => parseOpusHead(HEAD_MONO.map((b, i) => (i === 9 ? 0 : b))), "bad-channels", /0/);
    expectOpusError(() => parseOpusHead(HEAD_MONO.map((b, i) => (i === 9 ? 3 : b))), "bad-channels", /family 0 .* 3/);
    expectOpusError(() => parseOpusHead(head51((b) => (b[9] = 9))), "bad-channels", /family 1/);
    expectOpusError(() => parseOpusHead(head51().subarray(0, 26)), "truncated-header", /27 bytes/);
    expectOpusError(() => parseOpusHead(head51((b) => (b[19] = 0))), "bad-mapping", /stream count is 0/);
    expectOpusError(() => parseOpusHead(head51((b) => (b[20] = 5))), "bad-mapping", /coupled count 5/);
    expectOpusError(
      () => parseOpusHead(head51((b) => (b[26] = 6))),
      "bad-mapping",
      /channel 5 maps to decoded channel 6/,
    );
    expect(parseOpusHead(head51((b) => (b[26] = 255))).mapping[5]).toBe(255);
  });
});

describe("parseOpusTags", () => {
  for (const fact of opusFixtures) {
    it(`reads the vendor and comments of ${fact.file}`, () => {
      const packets = headerPackets(fact.file);
      for (const link of fact.opus!.links) {
        const own = packets.filter((p) => p.serial === link.serial);
        expect(parseOpusTags(own[1]!.data)).toEqual({ vendor: link.vendor, comments: link.comments });
      }
    });
  }

  it("finds tags by name, case-insensitively", () => {
    const tags = { vendor: "v", comments: ["ARTIST=granule", "title=x", "artist=two", "ARTISTS=no"] };
    expect(tagValues(tags, "Artist")).toEqual(["granule", "two"]);
  });

  it("checks every length against the bytes present", () => {
    const good = new Uint8Array([
      ...new TextEncoder().encode("OpusTags"),
      1,
      0,
      0,
      0,
      0x76,
      1,
      0,
      0,
      0,
      3,
      0,
      0,
      0,
      0x41,
      0x3d,
      0x42,
    ]);
    expect(parseOpusTags(good)).toEqual({ vendor: "v", comments: ["A=B"] });
    expectOpusError(() => parseOpusTags(good.subarray(0, 10)), "truncated-header", /vendor/);
    expectOpusError(
      () => parseOpusTags(good.map((b, i) => (i === 8 ? 200 : b))),
      "truncated-header",
      /vendor string claims 200/,
    );
    expectOpusError(() => parseOpusTags(good.subarray(0, 15)), "truncated-header", /comment count/);
    expectOpusError(
      () => parseOpusTags(good.map((b, i) => (i === 13 ? 255 : b))),
      "truncated-header",
      /claims 255 comments/,
    );
    expectOpusError(() => parseOpusTags(good.subarray(0, good.length - 1)), "truncated-header", /comment 0 claims 3/);
    expectOpusError(() => parseOpusTags(new TextEncoder().encode("OpusHead")), "bad-magic");
  });
});

describe("packetSamples", () => {
  it("gives the RFC 6716 frame sizes for all 32 configurations and codes 0-2", () => {
    const frame = (config: number) =>
      config < 12
        ? [480, 960, 1920, 2880][config % 4]!
        : config < 16
          ? [480, 960][config % 2]!
          : [120, 240, 480, 960][config % 4]!;
    for (let config = 0; config < 32; config++) {
      expect(packetSamples(Uint8Array.of(config << 3))).toBe(frame(config));
      expect(packetSamples(Uint8Array.of((config << 3) | 1, 0))).toBe(2 * frame(config));
      expect(packetSamples(Uint8Array.of((config << 3) | 2, 0))).toBe(2 * frame(config));
    }
  });

  it("counts code 3 frames and rejects what no packet may be", () => {
    expect(packetSamples(Uint8Array.of((16 << 3) | 3, 48))).toBe(5760); // 48 x 2.5 ms = 120 ms
    expect(packetSamples(Uint8Array.of((3 << 3) | 3, 0x80 | 2))).toBe(5760); // 2 x 60 ms, VBR flag
    expectOpusError(() => packetSamples(new Uint8Array(0)), "bad-packet", /empty/);
    expectOpusError(() => packetSamples(Uint8Array.of((16 << 3) | 3)), "bad-packet", /frame count/);
    expectOpusError(() => packetSamples(Uint8Array.of((16 << 3) | 3, 0)), "bad-packet", /0 frames/);
    expectOpusError(() => packetSamples(Uint8Array.of((16 << 3) | 3, 49)), "bad-packet", /120 ms/);
    expect(packetSamples(Uint8Array.of((3 << 3) | 1, 0))).toBe(5760); // 2 x 60 ms is the most allowed
    expectOpusError(() => packetSamples(Uint8Array.of((3 << 3) | 3, 3)), "bad-packet", /120 ms/);
  });

  // libogg counts a repeated page's packets again (the assembler skips it): compare where pages rise.
  const rising = (f: (typeof opusFixtures)[number]) =>
    f.pages.every((p, i) => f.pages.slice(0, i).every((q) => q.serial !== p.serial || q.sequence < p.sequence));
  for (const fact of opusFixtures.filter((f) => f.streams[0]?.tocSamples !== undefined && rising(f))) {
    it(`sums to libopus's own durations over ${fact.file}`, () => {
      const packets = headerPackets(fact.file);
      for (const stream of fact.streams.filter((s) => s.tocSamples !== undefined)) {
        const audio = packets.filter((p) => p.serial === stream.serial).slice(2);
        expect(audio.reduce((sum, p) => sum + packetSamples(p.data), 0)).toBe(stream.tocSamples);
      }
    });
  }
});
