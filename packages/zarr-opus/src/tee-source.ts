import type { ByteSource } from "@granule/opus-index";
import { ArchiveError } from "./errors.ts";

/** Receives every byte of the source once, in order: `bytes` start at `byteOffset`. */
export type ByteSink = (bytes: Uint8Array, byteOffset: number) => Promise<void>;

export interface TeeSource extends ByteSource {
  readonly readsAreFresh?: boolean;
  /** Bytes passed to the sink so far: the sink has seen [0, bytesDone). */
  readonly bytesDone: number;
  /** Passes the bytes no read has covered yet to the sink, so it has seen the whole source. */
  finish(signal?: AbortSignal): Promise<void>;
  /** Stops feeding the sink (after a failure) and waits for the step in progress to end. */
  stop(): Promise<void>;
}

/** Largest piece `finish` reads at once to fill a gap. */
const FILL_BYTES = 8 * 1024 * 1024;

/**
 * A source that also feeds a sink (hashing, writing) with the bytes its reader asks for, so
 * that one pass of `buildIndex` over it also hashes and stores the file. The indexer reads
 * batches in order, each overlapping the next by a page's look-ahead; the sink gets each byte
 * exactly once, in order, however the reads come: a read beyond what the sink has seen waits
 * for the reads before it, and a gap no read covers is read here. A read resolves only after
 * the sink has finished with its bytes, which is what lets the indexer hand the buffer to a
 * worker (`readsAreFresh`) and bounds the bytes in flight.
 */
export function teeSource(source: ByteSource & { readonly readsAreFresh?: boolean }, sink: ByteSink): TeeSource {
  let done = 0;
  let stopped = false;
  let chain: Promise<void> = Promise.resolve();

  const feed = async (bytes: Uint8Array, byteOffset: number, signal?: AbortSignal) => {
    const end = byteOffset + bytes.length;
    if (stopped || end <= done) return;
    while (done < byteOffset) {
      // Nothing read [done, byteOffset): read it here, so the sink sees every byte.
      const piece = await source.read(done, Math.min(FILL_BYTES, byteOffset - done), signal);
      if (piece.length === 0) throw ended(done);
      await sink(piece, done);
      done += piece.length;
    }
    await sink(bytes.subarray(done - byteOffset), done);
    done = end;
  };

  const ended = (at: number) =>
    new ArchiveError("io", `the source ended at byte ${at} of the ${source.size} it announced`, { byteOffset: at });

  /** Resolves to a read's bytes once the sink has had them, in order after the reads before. */
  const fed = (pending: Promise<Uint8Array>, byteOffset: number, signal?: AbortSignal): Promise<Uint8Array> => {
    // It may fail while earlier steps run; the step below reports it, so it is not "unhandled".
    pending.catch(() => undefined);
    const step = chain.then(async () => {
      const bytes = await pending;
      try {
        await feed(bytes, byteOffset, signal);
      } catch (error) {
        stopped = true;
        throw error;
      }
      return bytes;
    });
    chain = step.then(
      () => undefined,
      () => undefined,
    );
    return step;
  };

  const tee: TeeSource = {
    size: source.size,
    ...(source.readsAreFresh === undefined ? {} : { readsAreFresh: source.readsAreFresh }),
    get bytesDone() {
      return done;
    },
    read(byteOffset, byteLength, signal) {
      return fed(source.read(byteOffset, byteLength, signal), byteOffset, signal);
    },
    ...(source.readInto === undefined
      ? {}
      : {
          readInto: async (target: Uint8Array, byteOffset: number, signal?: AbortSignal) => {
            const into = source.readInto!.bind(source);
            await fed(
              into(target, byteOffset, signal).then(() => target),
              byteOffset,
              signal,
            );
          },
        }),
    async finish(signal) {
      await chain;
      while (!stopped && done < source.size) {
        const piece = await source.read(done, Math.min(FILL_BYTES, source.size - done), signal);
        if (piece.length === 0) throw ended(done);
        await sink(piece, done);
        done += piece.length;
      }
    },
    async stop() {
      stopped = true;
      await chain;
    },
  };
  return tee;
}
