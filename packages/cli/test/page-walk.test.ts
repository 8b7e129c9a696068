// The page-header walk that decides whether a plain file may be read sparsely.
import { crc32, readPages } from "@granule/ogg-pages";
import { describe, expect, it } from "vitest";
import { longOpus } from "../../extract/test/helpers.ts";
import { whyNotOnePlainRun } from "../src/page-walk.ts";

const walk = (bytes: Uint8Array) =>
  whyNotOnePlainRun((byteOffset, length) => bytes.subarray(byteOffset, byteOffset + length), bytes.length);

/** `bytes` with page `k`'s header field at `field` set by `set`, CRC made good. */
function editPage(bytes: Uint8Array, k: number, set: (view: DataView, at: number) => void): Uint8Array {
  const out = bytes.slice();
  const page = [...readPages(out)][k]!;
  const view = new DataView(out.buffer);
  set(view, page.byteOffset);
  view.setUint32(page.byteOffset + 22, 0, true);
  view.setUint32(page.byteOffset + 22, crc32(out.subarray(page.byteOffset, page.byteOffset + page.byteLength)), true);
  return out;
}

describe("whyNotOnePlainRun", () => {
  const clean = longOpus(20);
  const pages = [...readPages(clean)];

  it("passes a file of one link, page after page to its end", () => {
    expect(walk(clean)).toBeUndefined();
  });

  it("names a chain, with another serial or the same one", () => {
    expect(walk(new Uint8Array([...clean, ...longOpus(5, "ffmpeg-mono.opus", 78)]))).toMatch(
      new RegExp(`stream begins again at byte ${clean.length}`),
    );
    expect(walk(new Uint8Array([...clean, ...longOpus(5, "ffmpeg-stereo.opus", 77)]))).toMatch(/a chained file/);
  });

  it("names a lost or repeated page, granules that run back, and pages after the end of the stream", () => {
    const lost = new Uint8Array([...clean.subarray(0, pages[5]!.byteOffset), ...clean.subarray(pages[6]!.byteOffset)]);
    expect(walk(lost)).toMatch(new RegExp(`page 6 at byte ${pages[5]!.byteOffset} follows page 4`));
    const back = editPage(clean, 8, (view, at) => view.setBigUint64(at + 6, 960n, true));
    expect(walk(back)).toMatch(/granules run back/);
    const eos = editPage(clean, 8, (view, at) => view.setUint8(at + 5, 0x04));
    expect(walk(eos)).toMatch(/after the end-of-stream page/);
    const other = editPage(clean, 8, (view, at) => view.setUint32(at + 14, 99, true));
    expect(walk(other)).toMatch(/stream 99 at byte/);
  });

  it("stops after the pages it is given, where a full scan would be as quick", () => {
    expect(whyNotOnePlainRun((at, n) => clean.subarray(at, at + n), clean.length, pages.length)).toBeUndefined();
    expect(whyNotOnePlainRun((at, n) => clean.subarray(at, at + n), clean.length, pages.length - 1)).toMatch(
      /more than \d+ pages/,
    );
  });

  it("names junk, a cut last page and a first page that begins no stream", () => {
    expect(walk(new Uint8Array([...clean, 1, 2, 3]))).toMatch(new RegExp(`no page header at byte ${clean.length}`));
    expect(walk(clean.subarray(0, clean.length - 10))).toMatch(/runs past the file's end/);
    expect(walk(new Uint8Array([0, ...clean]))).toMatch(/no page header at byte 0/);
    expect(walk(clean.subarray(pages[2]!.byteOffset))).toMatch(/does not begin a stream/);
    expect(walk(new Uint8Array(0))).toBeUndefined(); // nothing to vouch against: the index refuses it
  });
});
