import type { OpusLink } from "./index-data.ts";

/** An `OpusLink` as JSON stores it (the sidecar, the archive's `links` attribute): the channel mapping as a plain list. */
export type LinkJson = Omit<OpusLink, "head"> & { head: Omit<OpusLink["head"], "mapping"> & { mapping: number[] } };

export function linksToJson(links: readonly OpusLink[]): LinkJson[] {
  return links.map((link) => ({ ...link, head: { ...link.head, mapping: [...link.head.mapping] } }));
}

export function linksFromJson(links: readonly LinkJson[]): OpusLink[] {
  return links.map((link) => ({ ...link, head: { ...link.head, mapping: Uint8Array.from(link.head.mapping) } }));
}
