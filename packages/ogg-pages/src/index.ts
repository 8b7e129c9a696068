export {
  type AssemblePacketsOptions,
  assemblePackets,
  type OggPacket,
  PacketAssembler,
  type PacketProblem,
  type PacketProblemCode,
} from "./assemble-packets.ts";
export { crc32, crc32Many } from "./crc32.ts";
export { OggError, type OggErrorCode } from "./errors.ts";
export {
  FLAG_BOS,
  FLAG_CONTINUED,
  FLAG_EOS,
  type OggPage,
  PAGE_HEADER_MIN_BYTES,
  PAGE_MAX_BYTES,
  type PageHeader,
  parsePageHeader,
} from "./page-header.ts";
export { createPageStream, OggPageReader } from "./page-reader.ts";
export type { ReadPagesOptions, SkippedRange } from "./page-sync.ts";
export { readPages } from "./read-pages.ts";
export {
  setPageCrc,
  type WritePacket,
  type WritePageFields,
  type WritePagesOptions,
  writePage,
  writePages,
} from "./write-pages.ts";
