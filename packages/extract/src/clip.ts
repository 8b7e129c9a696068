import { assemblePackets, readPages, writePages } from "@granule/ogg-pages";
import { type Recording, readExactly } from "@granule/opus-index";
import { windowPackets, windowPages } from "./decode-window.ts";
import { ExtractError } from "./errors.ts";
import { DEFAULT_PRE_ROLL_SAMPLES } from "./extract.ts";
import { checkSegment, type SegmentRange } from "./plan-windows.ts";

export interface ClipOptions {
  /** Decoded and dropped before the clip's first sample (as its pre-skip). Default `DEFAULT_PRE_ROLL_SAMPLES`. */
  preRollSamples?: number;
}

/**
 * A standalone Ogg Opus file that plays exactly [startSample, endSample), without re-encoding:
 * the packets from the one the pre-roll starts in to the one holding the last sample, copied
 * byte for byte; OpusHead's pre-skip set to drop the pre-roll; the last granule trimming the
 * end (RFC 7845 §4.5); the tags and serial kept. Any compliant player decodes it.
 */
export async function clip(recording: Recording, range: SegmentRange, options: ClipOptions = {}): Promise<Uint8Array> {
  const index = recording.index;
  checkSegment(index, range, -1);
  const parts = index.splitByLink(range.startSample, range.endSample);
  if (parts.length !== 1) {
    throw new ExtractError(
      "links-differ",
      `samples ${range.startSample}-${range.endSample} span ${parts.length} chained links; a clip holds one`,
    );
  }
  const plan = index.locate(range.startSample, range.endSample, {
    preRollSamples: options.preRollSamples ?? DEFAULT_PRE_ROLL_SAMPLES,
  });
  const hole = plan.problems[0]; // every problem in a plan has samples
  if (hole !== undefined) {
    throw new ExtractError("damaged", `the clip needs samples the file lost: ${hole.message}`, {
      byteOffset: hole.byteOffset,
      startSample: hole.startSample,
      endSample: hole.endSample,
    });
  }
  if (plan.discardSamples > 0xffff) {
    throw new ExtractError(
      "invalid-argument",
      `a pre-skip of ${plan.discardSamples} samples does not fit OpusHead (at most 65535)`,
    );
  }
  const link = index.links[plan.link]!;
  const headerBytes = await readExactly(recording.source, link.headerByteOffset, link.headerByteLength);
  // Only the header pages the index chose: the bytes between them may hold other pages (an
  // audio page out of place, a repeated page) that are not the stream's headers.
  const chosen =
    link.headerPages === undefined
      ? undefined
      : new Set(link.headerPages.map((p) => p.byteOffset - link.headerByteOffset));
  const pages = [...readPages(headerBytes)].filter((p) => chosen === undefined || chosen.has(p.byteOffset));
  const headers = [...assemblePackets(pages)].filter((p) => p.serial === link.serial);
  const head = headers[0]!.data.slice();
  head[10] = plan.discardSamples & 0xff;
  head[11] = plan.discardSamples >> 8;

  const packetSamples = index.packetSamples.subarray(plan.firstPacket, plan.firstPacket + plan.packetCount);
  const invalid = packetSamples.indexOf(0);
  if (invalid >= 0) {
    // A packet without a valid TOC duration (listed as `bad-packet`, with no samples of its own,
    // so locate's problems miss it): copied, it would make a clip that no reader accepts.
    const planEnd = plan.byteOffset + plan.byteLength;
    const listed = index.problems.find(
      (p) => p.code === "bad-packet" && p.byteOffset >= plan.byteOffset && p.byteOffset < planEnd,
    );
    throw new ExtractError(
      "damaged",
      `the clip would copy a packet that has no valid duration${listed === undefined ? "" : `: ${listed.message}`}`,
      { byteOffset: listed?.byteOffset ?? plan.byteOffset, startSample: range.startSample, endSample: range.endSample },
    );
  }
  const audio = windowPackets({
    bytes: await readExactly(recording.source, plan.byteOffset, plan.byteLength),
    byteOffset: plan.byteOffset,
    serial: plan.serial,
    pages: windowPages(index, plan.firstPage, plan.lastPage),
    skipPackets: plan.skipPackets,
    packetSamples,
    decodeStartSample: plan.decodeStartSample,
    head: link.head,
    applyGain: false,
    parts: [],
  });
  // Granules count from the first copied packet; the last one is cut to the clip's end.
  const endGranule = range.endSample - plan.decodeStartSample;
  let granule = 0;
  let pageStart = 0;
  const packets = audio.map((data, i) => {
    granule += packetSamples[i]!;
    const last = i === audio.length - 1;
    // About one second per page, as encoders write them.
    const flush = granule - pageStart >= 48_000;
    if (flush) pageStart = granule;
    return { data, granule: BigInt(last ? endGranule : granule), flush };
  });
  return writePages(
    [{ data: head, granule: 0n, flush: true }, { data: headers[1]!.data, granule: 0n, flush: true }, ...packets],
    { serial: link.serial, targetBodyByteLength: 1 << 30 },
  );
}
