/**
 * Writes of many outputs with a few in flight at once. An output up to 1 MiB is written with
 * synchronous calls (output-file.ts), without a round trip to libuv's thread pool; a larger one
 * waits for the pool, and one at a time the decoders would wait for it. Hand-written
 * rather than p-limit: what is needed is back-pressure (`add` waits while the limit is
 * reached) and the first failure kept, which p-limit's unbounded queue does not give.
 */
export class BoundedWrites {
  private readonly inFlight = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(private readonly limit: number) {}

  /** Starts `write` once fewer than `limit` are in flight; throws an earlier write's failure. */
  async add(write: () => Promise<void>): Promise<void> {
    this.throwIfFailed();
    while (this.inFlight.size >= this.limit) {
      await Promise.race(this.inFlight);
      this.throwIfFailed();
    }
    const running: Promise<void> = write()
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => this.inFlight.delete(running));
    this.inFlight.add(running);
  }

  /** Waits for every write; throws the first failure. */
  async drain(): Promise<void> {
    await this.settle();
    this.throwIfFailed();
  }

  /** Waits for every write, failed or not (before an error leaves: no write is cut off). */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure.error;
  }
}
