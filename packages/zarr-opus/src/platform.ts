import type { BuildIndexOptions, ByteSource, OpusIndex } from "@granule/opus-index";
import type { ProcessIdentity } from "./leases.ts";
import type { Sha256Factory } from "./sha256.ts";

/**
 * What differs between runtimes: how to hash and how to index. The main entry uses pure
 * JavaScript SHA-256 and in-process (or Web Worker) indexing; the Node entry node:crypto and
 * worker_threads. A collection keeps the platform of the entry that opened it.
 */
export interface Platform {
  sha256: Sha256Factory;
  buildIndex(source: ByteSource, options: BuildIndexOptions): Promise<OpusIndex>;
  /** gzip (RFC 1952) for the index arrays' chunks. */
  gzip(bytes: Uint8Array): Promise<Uint8Array>;
  /** This process, for the owners of temporary names (leases.ts). */
  identity: ProcessIdentity;
}

/** gzip with the WHATWG CompressionStream, which Node, Deno, Bun and browsers have. */
export async function streamGzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
